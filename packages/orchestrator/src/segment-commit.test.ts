import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore } from './checkpoint-store.js';
import { claimSegment, ownerFile, releaseSegment } from './segment-claim.js';
import { commitSegment, manifestPath, readManifest, recoverOutput } from './segment-commit.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'etl-orch-'));

function tempFile(root: string, rel: string, pid = process.pid): string {
  const dir = path.join(root, path.dirname(rel));
  mkdirSync(dir, { recursive: true });
  const p = path.join(dir, `.${path.basename(rel)}.${pid}-abcd1234.tmp`);
  writeFileSync(p, `data of ${rel}`);
  return p;
}

describe('commitSegment', () => {
  it('publishes deferred files after writing the manifest and replaces an earlier run', async () => {
    const root = tmp();
    const a = tempFile(root, 'level2/date=2026-08-09/part-s1-0000.parquet');
    const b = tempFile(root, 'level2/date=2026-08-10/part-s1-0000.parquet');
    const files = [a, b].map((t) => ({
      dataset: 'level2',
      file: { path: path.join(path.dirname(t), path.basename(t).slice(1).replace(/\.\d+-abcd1234\.tmp$/, '')), tempPath: t, rows: 5, bytes: 10, partition: {} },
    }));
    const m = await commitSegment(root, 's1.ndjson', 's1', files, 2);
    expect(m.published).toBe(true);
    expect(readFileSync(path.join(root, 'level2/date=2026-08-09/part-s1-0000.parquet'), 'utf8')).toContain('part-s1-0000');
    expect(existsSync(a)).toBe(false);
    const stored = await readManifest(manifestPath(root, 's1'));
    expect(stored).toMatchObject({ segment: 's1.ndjson', published: true, quarantinedLines: 2 });
    expect(stored!.files.map((f) => f.path).sort()).toEqual(['level2/date=2026-08-09/part-s1-0000.parquet', 'level2/date=2026-08-10/part-s1-0000.parquet']);

    // A second run of the same segment that only writes one partition removes the other file.
    const c = tempFile(root, 'level2/date=2026-08-09/part-s1-0000.parquet');
    await commitSegment(root, 's1.ndjson', 's1', [{ dataset: 'level2', file: { path: path.join(root, 'level2/date=2026-08-09/part-s1-0000.parquet'), tempPath: c, rows: 5, bytes: 10, partition: {} } }], 0);
    expect(existsSync(path.join(root, 'level2/date=2026-08-10/part-s1-0000.parquet'))).toBe(false);
  });
});

describe('recoverOutput', () => {
  it('rolls committed manifests forward and removes temp files of dead processes', async () => {
    const root = tmp();
    const t = tempFile(root, 'ticker/date=2026-08-09/part-s2-0000.parquet');
    const final = path.join(root, 'ticker/date=2026-08-09/part-s2-0000.parquet');
    mkdirSync(path.join(root, '_manifests'), { recursive: true });
    writeFileSync(
      manifestPath(root, 's2'),
      JSON.stringify({ version: 1, segment: 's2', inputId: 's2', committedAt: '', published: false, quarantinedLines: 0, files: [{ dataset: 'ticker', path: path.relative(root, final), temp: path.relative(root, t), rows: 1, bytes: 1 }] }),
    );
    const orphan = tempFile(root, 'level2/part-s3-0000.parquet', 999_999_999);
    const alive = tempFile(root, 'level2/part-s4-0000.parquet', process.pid);
    const report = await recoverOutput(root);
    expect(report).toEqual({ rolledForward: 1, tempFilesRemoved: 1 });
    expect(existsSync(final)).toBe(true);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect((await readManifest(manifestPath(root, 's2')))!.published).toBe(true);
  });
});

describe('claimSegment', () => {
  it('lets exactly one claimer take a segment and reclaims leftovers of dead processes', async () => {
    const root = tmp();
    const ready = path.join(root, 'ready');
    const processing = path.join(root, 'processing');
    mkdirSync(ready);
    writeFileSync(path.join(ready, 'seg_1.ndjson'), 'x');
    const [first, second] = await Promise.all([claimSegment(ready, processing, 'seg_1.ndjson'), claimSegment(ready, processing, 'seg_1.ndjson')]);
    expect([first, second].filter(Boolean)).toEqual([path.join(processing, 'seg_1.ndjson')]);
    expect(readdirSync(ready)).toEqual([]);

    // A leftover whose owner died is claimed again; one owned by a live process is not.
    writeFileSync(ownerFile(processing, 'seg_1.ndjson'), '999999999');
    expect(await claimSegment(ready, processing, 'seg_1.ndjson')).toBe(path.join(processing, 'seg_1.ndjson'));
    writeFileSync(path.join(processing, 'seg_2.ndjson'), 'y');
    writeFileSync(ownerFile(processing, 'seg_2.ndjson'), String(process.ppid));
    expect(await claimSegment(ready, processing, 'seg_2.ndjson')).toBeUndefined();
    await releaseSegment(processing, 'seg_1.ndjson');
    expect(existsSync(ownerFile(processing, 'seg_1.ndjson'))).toBe(false);
  });
});

describe('CheckpointStore', () => {
  it('restores the state of the latest earlier segment, bigints included', async () => {
    const store = new CheckpointStore(path.join(tmp(), 'cp'));
    expect(await store.loadBefore('segment_2')).toBeUndefined();
    await store.save('segment_1', { seq: 41n, book: [[1.5, 2]] });
    await store.save('segment_3', { seq: 99n });
    expect(await store.loadBefore('segment_2')).toEqual({ segment: 'segment_1', state: { seq: 41n, book: [[1.5, 2]] } });
    expect((await store.loadBefore('segment_4'))!.segment).toBe('segment_3');
    // Re-running segment_3 restores segment_1's state, not its own.
    expect((await store.loadBefore('segment_3'))!.segment).toBe('segment_1');
  });
});
