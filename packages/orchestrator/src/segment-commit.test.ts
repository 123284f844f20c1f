import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WrittenFile } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { CheckpointStore } from './checkpoint-store.js';
import {
  commitSegment,
  finishCommit,
  manifestPath,
  readManifest,
  recoverOutput,
  type SegmentManifest,
  SegmentPublishError,
} from './segment-commit.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'etl-orch-'));
const DEAD_PID = 999_999_999;

/** A finished temporary of `rel` (relative to root) as the writer leaves it. */
function tempFile(root: string, rel: string, pid = process.pid, content = `data of ${rel}`): string {
  const dir = path.join(root, path.dirname(rel));
  mkdirSync(dir, { recursive: true });
  const p = path.join(dir, `.${path.basename(rel)}.${pid}-abcd1234.tmp`);
  writeFileSync(p, content);
  return p;
}

function written(root: string, rel: string, content?: string): { dataset: string; file: WrittenFile } {
  return {
    dataset: rel.split('/')[0]!,
    file: {
      path: path.join(root, rel),
      tempPath: tempFile(root, rel, process.pid, content),
      rows: 5,
      bytes: 10,
      partition: {},
    },
  };
}

/** Every file under root, relative, sorted. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('commitSegment', () => {
  it('publishes deferred files after writing the manifest and replaces an earlier run', async () => {
    const root = tmp();
    const files = [
      written(root, 'level2/date=2026-08-09/part-s1-0000.parquet'),
      written(root, 'level2/date=2026-08-10/part-s1-0000.parquet'),
    ];
    const m = await commitSegment(root, 's1.ndjson', 's1', files, 2);
    expect(m.published).toBe(true);
    expect(readFileSync(path.join(root, 'level2/date=2026-08-09/part-s1-0000.parquet'), 'utf8')).toContain(
      'part-s1-0000',
    );
    expect(existsSync(files[0]!.file.tempPath!)).toBe(false);
    const stored = await readManifest(manifestPath(root, 's1'));
    expect(stored).toMatchObject({ segment: 's1.ndjson', published: true, quarantinedLines: 2 });
    expect(stored!.files.map((f) => f.path).sort()).toEqual([
      'level2/date=2026-08-09/part-s1-0000.parquet',
      'level2/date=2026-08-10/part-s1-0000.parquet',
    ]);
    expect(stored!.files.every((f) => f.temp === undefined)).toBe(true);

    // A second run of the same segment that only writes one partition removes the other file.
    await commitSegment(
      root,
      's1.ndjson',
      's1',
      [written(root, 'level2/date=2026-08-09/part-s1-0000.parquet')],
      0,
    );
    expect(existsSync(path.join(root, 'level2/date=2026-08-10/part-s1-0000.parquet'))).toBe(false);
  });

  it('commits side files with the output and removes those a re-run no longer has', async () => {
    const root = tmp();
    const store = new CheckpointStore(path.join(root, '_state', 'checkpoints'));
    const checkpoint = await store.saveTemporary('s1', { seq: 7n });
    const quarantine = path.join(root, '_quarantine', 's1.ndjson');
    const side = [
      { kind: 'checkpoint', ...checkpoint },
      { kind: 'quarantine', path: quarantine, tempPath: tempFile(root, '_quarantine/s1.ndjson') },
    ];
    // Not visible before the commit: loadBefore skips hidden temporaries.
    expect(await store.loadBefore('s2')).toBeUndefined();
    await commitSegment(root, 's1.ndjson', 's1', [written(root, 'ticker/part-s1-0000.parquet')], 1, {
      side,
      input: { bytes: 3, mtimeMs: 4, lines: 5 },
      config: 'abc',
    });
    expect(await store.loadBefore('s2')).toEqual({ segment: 's1', state: { seq: 7n } });
    expect(existsSync(quarantine)).toBe(true);
    const again = await store.saveTemporary('s1', { seq: 7n });
    await commitSegment(root, 's1.ndjson', 's1', [written(root, 'ticker/part-s1-0000.parquet')], 0, {
      side: [{ kind: 'checkpoint', ...again }],
    });
    expect(existsSync(quarantine)).toBe(false);
    expect(tree(root)).toEqual([
      '_manifests/s1.json',
      '_state/checkpoints/s1.json',
      'ticker/part-s1-0000.parquet',
    ]);
  });

  it('refuses two outputs that the filesystem stores under one name, before the commit point', async () => {
    const root = tmp();
    const a = written(root, 'trades/product_id=\ud800/part-s1-0000.parquet');
    const b = written(root, 'trades/product_id=\ufffd/part-s1-0000.parquet');
    await expect(commitSegment(root, 's1.ndjson', 's1', [a, b], 0)).rejects.toMatchObject({
      code: 'E_OUTPUT_COLLISION',
    });
    expect(existsSync(manifestPath(root, 's1'))).toBe(false);
  });

  it('reports a failure after the commit point as SegmentPublishError and keeps the temporaries', async () => {
    const root = tmp();
    const file = written(root, 'level2/part-s1-0000.parquet');
    // A directory where the file should go: the rename fails after the manifest is written.
    mkdirSync(path.join(root, 'level2/part-s1-0000.parquet', 'blocker'), { recursive: true });
    const error = await commitSegment(root, 's1.ndjson', 's1', [file], 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SegmentPublishError);
    expect(existsSync(file.file.tempPath!)).toBe(true);
    expect((await readManifest(manifestPath(root, 's1')))!.published).toBe(false);
  });
});

/** The state a crash after the commit point leaves: a committed manifest, some renames not done. */
function crashedAfterCommit(root: string, renamed: number): SegmentManifest {
  const rels = [
    'level2/date=2026-08-09/part-s2-0000.parquet',
    'level2/date=2026-08-10/part-s2-0000.parquet',
    'ticker/part-s2-0000.parquet',
  ];
  const files = rels.map((rel, i) => {
    const temp = tempFile(root, rel, DEAD_PID);
    if (i < renamed) renameSync(temp, path.join(root, rel));
    return { dataset: rel.split('/')[0]!, path: rel, temp: path.relative(root, temp), rows: 1, bytes: 1 };
  });
  const manifest: SegmentManifest = {
    version: 1,
    segment: 's2.ndjson',
    inputId: 's2',
    commitId: 'c1',
    committedAt: '',
    published: false,
    quarantinedLines: 0,
    files,
  };
  mkdirSync(path.join(root, '_manifests'), { recursive: true });
  writeFileSync(manifestPath(root, 's2'), JSON.stringify(manifest));
  return manifest;
}

describe('recoverOutput', () => {
  it('rolls committed manifests forward, wherever the crash stopped the renames', async () => {
    for (const renamed of [0, 1, 3]) {
      const root = tmp();
      crashedAfterCommit(root, renamed);
      const orphan = tempFile(root, 'level2/part-s3-0000.parquet', DEAD_PID); // never committed
      const alive = tempFile(root, 'level2/part-s4-0000.parquet', process.pid); // being written now
      const report = await recoverOutput(root);
      expect(report).toEqual({ rolledForward: 1, tempFilesRemoved: 1 });
      expect(tree(root).filter((f) => !f.startsWith('.') && !f.includes('/.'))).toEqual([
        '_manifests/s2.json',
        'level2/date=2026-08-09/part-s2-0000.parquet',
        'level2/date=2026-08-10/part-s2-0000.parquet',
        'ticker/part-s2-0000.parquet',
      ]);
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(alive)).toBe(true);
      expect((await readManifest(manifestPath(root, 's2')))!.published).toBe(true);
      // Idempotent: nothing left to do.
      expect(await recoverOutput(root)).toEqual({ rolledForward: 0, tempFilesRemoved: 0 });
    }
  });

  it('keeps the temporaries of a manifest it cannot finish and does not throw', async () => {
    const root = tmp();
    const manifest = crashedAfterCommit(root, 0);
    // One committed file is gone altogether: the commit cannot be finished.
    const lost = manifest.files[2]!;
    renameSync(path.join(root, lost.temp!), path.join(root, 'elsewhere'));
    const report = await recoverOutput(root);
    expect(report).toMatchObject({ rolledForward: 0, unfinished: 1 });
    expect((await readManifest(manifestPath(root, 's2')))!.published).toBe(false);
  });

  it('lets a re-run of the segment finish the crashed commit first, then replace it', async () => {
    const root = tmp();
    crashedAfterCommit(root, 1);
    await commitSegment(
      root,
      's2.ndjson',
      's2',
      [written(root, 'ticker/part-s2-0000.parquet', 'second run')],
      0,
    );
    expect(tree(root)).toEqual(['_manifests/s2.json', 'ticker/part-s2-0000.parquet']);
    expect(readFileSync(path.join(root, 'ticker/part-s2-0000.parquet'), 'utf8')).toBe('second run');
    expect(await recoverOutput(root)).toEqual({ rolledForward: 0, tempFilesRemoved: 0 });
  });

  it('ignores damaged manifests', async () => {
    const root = tmp();
    mkdirSync(path.join(root, '_manifests'));
    writeFileSync(manifestPath(root, 'bad'), '{"version": 1, "files": [');
    expect(await readManifest(manifestPath(root, 'bad'))).toBeUndefined();
    expect(await recoverOutput(root)).toEqual({ rolledForward: 0, tempFilesRemoved: 0 });
    expect(await finishCommit(root, 'bad')).toBeUndefined();
  });
});

describe('CheckpointStore', () => {
  it('restores the state of the latest earlier segment, bigints included', async () => {
    const store = new CheckpointStore(path.join(tmp(), 'cp'));
    expect(await store.loadBefore('segment_2')).toBeUndefined();
    await store.save('segment_1', { seq: 41n, book: [[1.5, 2]] });
    await store.save('segment_3', { seq: 99n });
    expect(await store.loadBefore('segment_2')).toEqual({
      segment: 'segment_1',
      state: { seq: 41n, book: [[1.5, 2]] },
    });
    expect((await store.loadBefore('segment_4'))!.segment).toBe('segment_3');
    // Re-running segment_3 restores segment_1's state, not its own.
    expect((await store.loadBefore('segment_3'))!.segment).toBe('segment_1');
  });
});
