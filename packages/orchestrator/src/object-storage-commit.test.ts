import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalObjectStorage, type ObjectStorage, type SealedUpload } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { publishSegment, readObjectManifest, recoverObjectOutput } from './object-storage-commit.js';
import type { SegmentManifest } from './segment-commit.js';

async function scratchOutput(): Promise<{ root: string; manifest: SegmentManifest }> {
  const root = await mkdtemp(path.join(tmpdir(), 'etl-object-commit-'));
  const part = 'level2/product_id=BTC-USD/date=2026-08-09/part-seg1-0000.parquet';
  await mkdir(path.dirname(path.join(root, part)), { recursive: true });
  await writeFile(path.join(root, part), 'rows');
  await mkdir(path.join(root, '_state', 'checkpoints'), { recursive: true });
  await writeFile(path.join(root, '_state', 'checkpoints', 'seg1.json'), '{"books":{}}');
  const manifest = {
    version: 1,
    segment: 'seg1.ndjson',
    inputId: 'seg1',
    committedAt: '2026-08-09T22:00:00Z',
    published: true,
    quarantinedLines: 0,
    files: [{ dataset: 'level2', path: part, rows: 1, bytes: 4 }],
    side: [{ kind: 'checkpoint', path: '_state/checkpoints/seg1.json' }],
    replaced: ['level2/product_id=BTC-USD/date=2026-08-09/part-seg1-0001.parquet'],
  } satisfies SegmentManifest;
  return { root, manifest };
}

async function keys(storage: ObjectStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const object of storage.list('')) out.push(object.key);
  return out;
}

async function pending(storage: ObjectStorage): Promise<number> {
  let n = 0;
  for await (const _ of storage.pendingUploads('')) n++;
  return n;
}

/** Dies (throws) on the first completion of a data file: a crash right after the commit point. */
class CrashOnComplete extends LocalObjectStorage {
  override async complete(sealed: SealedUpload): Promise<void> {
    // `put` of the commit record completes a staged upload too: that one goes through.
    if (!sealed.key.startsWith('_commits/')) throw new Error('killed');
    await super.complete(sealed);
  }
}

describe('object storage commit protocol', () => {
  it('publishes every file, deletes replaced ones, writes the manifest last, leaves no record or upload', async () => {
    const { root, manifest } = await scratchOutput();
    const storage = new LocalObjectStorage(await mkdtemp(path.join(tmpdir(), 'etl-object-out-')));
    await storage.put('level2/product_id=BTC-USD/date=2026-08-09/part-seg1-0001.parquet', Buffer.from('old'));
    await publishSegment(storage, root, manifest);
    expect(await keys(storage)).toEqual([
      '_manifests/seg1.json',
      '_state/checkpoints/seg1.json',
      'level2/product_id=BTC-USD/date=2026-08-09/part-seg1-0000.parquet',
    ]);
    expect((await readObjectManifest(storage, 'seg1'))?.published).toBe(true);
    expect(await pending(storage)).toBe(0);
  });

  it('a crash before the commit point leaves nothing visible; recovery aborts its uploads', async () => {
    const { root, manifest } = await scratchOutput();
    const out = await mkdtemp(path.join(tmpdir(), 'etl-object-out-'));
    const storage = new LocalObjectStorage(out);
    // The files are staged, then the process dies: simulated by staging without a record.
    const upload = await storage.upload(manifest.files[0]!.path);
    await upload.write(Buffer.from('rows'));
    await upload.seal();
    await expect(
      publishSegment(storage, root, manifest, {
        beforeCommitPoint: () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await keys(storage)).toEqual([]);
    expect(await pending(storage)).toBe(1);
    const report = await recoverObjectOutput(new LocalObjectStorage(out));
    expect(report).toEqual({ rolledForward: [], aborted: 1 });
    expect(await pending(storage)).toBe(0);
    expect(await keys(storage)).toEqual([]);
  });

  it('a crash after the commit point is rolled forward by recovery', async () => {
    const { root, manifest } = await scratchOutput();
    const out = await mkdtemp(path.join(tmpdir(), 'etl-object-out-'));
    await expect(publishSegment(new CrashOnComplete(out), root, manifest)).rejects.toThrow('killed');
    const storage = new LocalObjectStorage(out);
    expect(await keys(storage)).toEqual(['_commits/seg1.json']);
    const report = await recoverObjectOutput(storage);
    expect(report).toEqual({ rolledForward: ['seg1'], aborted: 0 });
    expect(await keys(storage)).toEqual([
      '_manifests/seg1.json',
      '_state/checkpoints/seg1.json',
      'level2/product_id=BTC-USD/date=2026-08-09/part-seg1-0000.parquet',
    ]);
    expect(await pending(storage)).toBe(0);
  });
});
