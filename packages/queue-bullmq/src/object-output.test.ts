import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalObjectStorage } from '@etl/core';
import type { SegmentManifest } from '@etl/orchestrator/internal';
import { describe, expect, it } from 'vitest';
import { ObjectOutput } from './object-output.js';

async function setup() {
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-object-output-'));
  const storage = new LocalObjectStorage(path.join(dir, 'bucket'));
  const scratch = path.join(dir, 'scratch', 'coinbase');
  await mkdir(scratch, { recursive: true });
  return { storage, scratch, output: new ObjectOutput(storage, scratch) };
}

async function pendingKeys(storage: LocalObjectStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const upload of storage.pendingUploads('')) out.push(upload.key);
  return out;
}

const id = (n: number) => `segment_20260809T21_0000${n}`;

describe('ObjectOutput', () => {
  it('copies only the checkpoint saved after the segment and the latest one before it', async () => {
    const { storage, scratch, output } = await setup();
    for (const n of [1, 2, 4, 5])
      await storage.put(`_state/checkpoints/${id(n)}.json`, Buffer.from(`{"n":${n}}`));
    await output.syncCheckpoints(id(3));
    expect(await readdir(path.join(scratch, '_state', 'checkpoints'))).toEqual([`${id(2)}.json`]);
    await output.syncCheckpoints(id(4));
    expect((await readdir(path.join(scratch, '_state', 'checkpoints'))).sort()).toEqual(
      [`${id(2)}.json`, `${id(4)}.json`].sort(),
    );
  });

  it('publishes a segment after aborting the uploads an earlier attempt left for its files', async () => {
    const { storage, scratch, output } = await setup();
    const file = 'level2/product_id=BTC-USD/date=2026-08-09/part-a.parquet';
    await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
    await writeFile(path.join(scratch, file), 'new bytes');
    // A killed attempt's staged upload of the same key, and another segment's upload.
    const stale = await storage.upload(file);
    await stale.write(Buffer.from('stale'));
    await stale.seal();
    const other = await storage.upload('level2/other.parquet');
    await other.write(Buffer.from('other'));
    await other.seal();
    const manifest = {
      inputId: id(1),
      segment: `${id(1)}.ndjson`,
      files: [{ dataset: 'level2', path: file, rows: 1, bytes: 9 }],
      quarantinedLines: 0,
    } as unknown as SegmentManifest;
    await output.publish(manifest);
    expect(await pendingKeys(storage)).toEqual(['level2/other.parquet']);
    const chunks: Uint8Array[] = [];
    for await (const chunk of storage.read(file)) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('new bytes');
    expect((await output.publishedManifest(id(1)))?.published).toBe(true);
    // The scratch copy is dropped once published.
    await expect(readFile(path.join(scratch, file))).rejects.toThrow();
  });
});
