import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { col, defineSchema, type Row } from '@etl/core';
import { ParquetReader } from '@etl/readers-parquet';
import { ParquetWriter } from '@etl/writer-parquet';
import { describe, expect, it } from 'vitest';
import { compactOutput } from './compaction.js';
import { compactionManifestPath, recoverCompactions } from './compaction-manifest.js';
import { chainByRange } from './compaction-runs.js';
import { localCompactionStore } from './compaction-store.js';
import { recoverOutput } from './segment-commit.js';

const SCHEMA = defineSchema([
  col.string('product_id'),
  col.string('date'),
  col.timestamp('server_timestamp'),
  col.int64('sequence_num'),
  col.int32('segment'),
  col.int32('within'),
]);
const PARTITION = path.join('level2', 'product_id=BTC-USD', 'date=2026-08-09');
const T0 = 1_786_300_000_000_000_000n; // 2026-08-09

/** Writes one segment's level2 file: `times` (offsets) in the given order, two rows per message. */
async function segmentFile(outRoot: string, segment: number, times: readonly number[]): Promise<void> {
  const writer = new ParquetWriter({ useWorker: false });
  const session = writer.open({
    path: path.join(outRoot, 'level2'),
    schema: SCHEMA,
    partitionCols: ['product_id', 'date'],
    inputId: `segment_${segment}`,
    metadata: { 'etl.segment': `segment_${segment}.ndjson`, 'etl.source': 'coinbase' },
  });
  const rows: Row[] = [];
  for (const t of times)
    for (let within = 0; within < 2; within++)
      rows.push({
        product_id: 'BTC-USD',
        date: '2026-08-09',
        server_timestamp: T0 + BigInt(t),
        sequence_num: BigInt(t),
        segment,
        within,
      });
  await session.write(rows);
  await session.close();
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'etl-compact-'));
const parquetIn = (dir: string) =>
  readdirSync(dir).filter((n) => n.endsWith('.parquet') && !n.startsWith('.'));

async function rowsOf(dir: string): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of new ParquetReader({ hive: false }).read(dir)) out.push(...b);
  return out;
}

describe('compactOutput', () => {
  it('k-way merges interleaved segments into time order, ties in segment then row order', async () => {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    await segmentFile(outRoot, 1, [0, 10, 20, 30]);
    await segmentFile(outRoot, 2, [5, 10, 25]);
    await segmentFile(outRoot, 3, [1, 2, 3, 40]);
    const summary = await compactOutput({ outputDir: output });
    expect(summary.partitions).toEqual({ compacted: 1, skipped: 0, failed: 0 });
    const dir = path.join(outRoot, PARTITION);
    expect(parquetIn(dir)).toHaveLength(1);
    const rows = await rowsOf(dir);
    expect(
      rows.map((r) => `${Number((r.server_timestamp as bigint) - T0)}/${r.segment}/${r.within}`),
    ).toEqual(
      [
        [0, 1],
        [1, 3],
        [2, 3],
        [3, 3],
        [5, 2],
        [10, 1],
        [10, 2],
        [20, 1],
        [25, 2],
        [30, 1],
        [40, 3],
      ].flatMap(([t, s]) => [`${t}/${s}/0`, `${t}/${s}/1`]),
    );
    const info = await new ParquetReader().fileInfo(path.join(dir, parquetIn(dir)[0]!));
    expect(JSON.parse(info.keyValue['etl.segments']!)).toEqual([
      'segment_1.ndjson',
      'segment_2.ndjson',
      'segment_3.ndjson',
    ]);
    expect(info.keyValue['etl.source']).toBe('coinbase');
  });

  it('merges in passes above the fan-in, in the same order as one pass, leaving no run behind', async () => {
    const orders: string[][] = [];
    for (const fanIn of [2, 8]) {
      const output = tmp();
      const outRoot = path.join(output, 'coinbase');
      for (let s = 1; s <= 5; s++) await segmentFile(outRoot, s, [s, 10, 20 - s, 30 + s, 30 + s]);
      const summary = await compactOutput({ outputDir: output, fanIn });
      expect(summary.partitions.compacted).toBe(1);
      const dir = path.join(outRoot, PARTITION);
      expect(readdirSync(dir)).toHaveLength(1);
      orders.push((await rowsOf(dir)).map((r) => `${r.server_timestamp}/${r.segment}/${r.within}`));
    }
    expect(orders[0]).toHaveLength(50);
    expect(orders[0]).toEqual(orders[1]);
  });

  it('reads files whose time ranges follow each other as one chain, however many', async () => {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    // 12 consecutive segments plus one overlapping the 5th: two chains, under a fan-in of 2.
    for (let s = 1; s <= 12; s++) await segmentFile(outRoot, s, [s * 10, s * 10 + 5, s * 10 + 10]);
    await segmentFile(outRoot, 13, [52, 57]);
    const summary = await compactOutput({ outputDir: output, fanIn: 2 });
    expect(summary.partitions.compacted).toBe(1);
    const rows = await rowsOf(path.join(outRoot, PARTITION));
    expect(rows).toHaveLength(13 * 2 * 3 - 2);
    const keys = rows.map((r) => Number((r.server_timestamp as bigint) - T0));
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    // Equal times across segments (segment 1's last row and segment 2's first: 20) stay in segment order.
    const at20 = rows.filter((r) => r.server_timestamp === T0 + 20n).map((r) => r.segment);
    expect(at20).toEqual([1, 1, 2, 2]);
  });

  it('rolls over at the size limit, each file in order and continuing the previous', async () => {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    const times = (from: number) => Array.from({ length: 3000 }, (_, i) => from + i * 3);
    await segmentFile(outRoot, 1, times(0));
    await segmentFile(outRoot, 2, times(1));
    const summary = await compactOutput({ outputDir: output, maxFileBytes: 5_000, rowGroupSize: 1000 });
    expect(summary.datasets.level2!.files_after).toBeGreaterThan(1);
    const dir = path.join(outRoot, PARTITION);
    const files = parquetIn(dir).sort();
    expect(files.length).toBe(summary.datasets.level2!.files_after);
    let last = -1n;
    let count = 0;
    for (const f of files) {
      for (const r of await rowsOf(path.join(dir, f))) {
        expect(r.server_timestamp as bigint).toBeGreaterThanOrEqual(last);
        last = r.server_timestamp as bigint;
        count++;
      }
    }
    expect(count).toBe(12_000);
    // Compacting again with nothing new leaves the rolled-over files alone.
    expect((await compactOutput({ outputDir: output })).partitions.skipped).toBe(1);
    expect(parquetIn(dir).sort()).toEqual(files);
  });

  it('leaves a partition whose file is out of time order as it is, and says which file', async () => {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    await segmentFile(outRoot, 1, [0, 10]);
    await segmentFile(outRoot, 2, [9, 3]);
    const dir = path.join(outRoot, PARTITION);
    const before = parquetIn(dir).sort();
    const summary = await compactOutput({ outputDir: output });
    expect(summary.partitions.failed).toBe(1);
    expect(summary.failures[0]).toMatchObject({ code: 'E_UNSORTED' });
    expect(summary.failures[0]!.error).toMatch(/part-segment_2-0000\.parquet: row 3 sorts before/);
    expect(readdirSync(dir).sort()).toEqual(before); // no temporaries either
    expect(existsSync(compactionManifestPath(outRoot, 'level2', path.relative('level2', PARTITION)))).toBe(
      false,
    );
  });

  it('only compacts dates before the cutoff', async () => {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    await segmentFile(outRoot, 1, [0]);
    await segmentFile(outRoot, 2, [1]);
    expect((await compactOutput({ outputDir: output, before: '2026-08-09' })).partitions.compacted).toBe(0);
    expect(parquetIn(path.join(outRoot, PARTITION))).toHaveLength(2);
    expect((await compactOutput({ outputDir: output, before: '2026-08-10' })).partitions.compacted).toBe(1);
  });
});

describe('chainByRange', () => {
  const f = (order: number) => ({ file: `f${order}`, order });
  const r = (min: bigint, max: bigint, nulls = 0) => ({ min, max, nulls });

  it('chains files whose ranges follow each other, in file order', () => {
    expect(chainByRange([f(0), f(1), f(2)], [r(0n, 10n), r(5n, 8n), r(10n, 20n)])).toEqual([
      [f(0), f(2)],
      [f(1)],
    ]);
  });

  it('leaves files without statistics or with nulls on their own', () => {
    expect(chainByRange([f(0), f(1)], [r(0n, 1n), undefined])).toEqual([[f(0)], [f(1)]]);
    expect(chainByRange([f(0), f(1)], [r(0n, 1n, 2), r(2n, 3n)])).toEqual([[f(0)], [f(1)]]);
  });
});

describe('compaction recovery', () => {
  /** A partition caught right after its commit point: manifest committed, merged file still a temporary. */
  async function committedNotSwapped(): Promise<{ outRoot: string; dir: string; manifestFile: string }> {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    await segmentFile(outRoot, 1, [0, 2]);
    await segmentFile(outRoot, 2, [1, 3]);
    await compactOutput({ outputDir: output });
    const dir = path.join(outRoot, PARTITION);
    const manifestFile = compactionManifestPath(outRoot, 'level2', path.relative('level2', PARTITION));
    const done = JSON.parse(readFileSync(manifestFile, 'utf8'));
    // Rebuild the moment after the commit point: old files back, the merged one a dead temporary.
    const merged = done.files[0].path as string;
    const temp = path.join(path.dirname(merged), `.${path.basename(merged)}.999999999-abcdef12.tmp`);
    renameSync(path.join(outRoot, merged), path.join(outRoot, temp));
    const again = tmp();
    await segmentFile(path.join(again, 'coinbase'), 1, [0, 2]);
    await segmentFile(path.join(again, 'coinbase'), 2, [1, 3]);
    for (const f of parquetIn(path.join(again, 'coinbase', PARTITION)))
      renameSync(path.join(again, 'coinbase', PARTITION, f), path.join(dir, f));
    const replaced = parquetIn(dir)
      .filter((n) => n.startsWith('part-segment'))
      .map((n) => ({ path: path.join(PARTITION, n), rows: 4 }));
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...done, state: 'committed', files: [{ ...done.files[0], temp }], replaced }),
    );
    return { outRoot, dir, manifestFile };
  }

  it('rolls a committed compaction forward before the sweep of dead temporaries', async () => {
    const { outRoot, dir, manifestFile } = await committedNotSwapped();
    const report = await recoverOutput(outRoot);
    expect(report.compactionsRolledForward).toBe(1);
    expect(parquetIn(dir)).toHaveLength(1);
    expect(parquetIn(dir)[0]).toMatch(/^part-compacted-/);
    expect(JSON.parse(readFileSync(manifestFile, 'utf8')).state).toBe('done');
    expect((await rowsOf(dir)).length).toBe(8);
  });

  it('rolls back a committed compaction whose merged file is lost: the old files stay', async () => {
    const { outRoot, dir, manifestFile } = await committedNotSwapped();
    for (const n of readdirSync(dir))
      if (n.endsWith('.tmp')) renameSync(path.join(dir, n), path.join(tmp(), n));
    const report = await recoverCompactions(localCompactionStore, outRoot);
    expect(report.rolledBack).toBe(1);
    expect(parquetIn(dir).sort()).toEqual(['part-segment_1-0000.parquet', 'part-segment_2-0000.parquet']);
    expect(existsSync(manifestFile)).toBe(false);
    expect((await rowsOf(dir)).length).toBe(8);
  });

  it('leaves the swap to a live compactor holding the lock', async () => {
    const { outRoot, dir } = await committedNotSwapped();
    mkdirSync(path.join(outRoot, '_compactions'), { recursive: true });
    // The parent of this test process: alive, not us.
    writeFileSync(
      path.join(outRoot, '_compactions', 'compact.lock'),
      JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname() }),
    );
    const report = await recoverCompactions(localCompactionStore, outRoot);
    expect(report.rolledForward).toBe(0);
    expect(parquetIn(dir)).toHaveLength(2);
  });
});

describe('compacted dataset read by DuckDB', () => {
  it('carries min/max statistics on the time column in every row group', async () => {
    const output = tmp();
    const outRoot = path.join(output, 'coinbase');
    await segmentFile(
      outRoot,
      1,
      Array.from({ length: 500 }, (_, i) => i * 2),
    );
    await segmentFile(
      outRoot,
      2,
      Array.from({ length: 500 }, (_, i) => i * 2 + 1),
    );
    await compactOutput({ outputDir: output, rowGroupSize: 250 });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const glob = path.join(outRoot, PARTITION, '*.parquet');
    const groups = (
      await db.runAndReadAll(
        `SELECT row_group_id, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${glob}') WHERE path_in_schema = 'server_timestamp' ORDER BY 1`,
      )
    ).getRowObjects();
    expect(groups).toHaveLength(8);
    for (let i = 1; i < groups.length; i++)
      expect(String(groups[i]!.lo) >= String(groups[i - 1]!.hi)).toBe(true);
  });
});

describe('compaction lock', () => {
  it('refuses while a live process holds it, takes over from a dead or stale foreign holder', async () => {
    const dir = tmp();
    const lockFile = path.join(dir, 'compact.lock');
    const host = (await import('node:os')).hostname();
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host }));
    expect(await localCompactionStore.lock(lockFile)).toEqual({ heldBy: process.ppid });
    writeFileSync(lockFile, JSON.stringify({ pid: 999_999_999, host }));
    const taken = await localCompactionStore.lock(lockFile);
    expect('release' in taken).toBe(true);
    if ('release' in taken) await taken.release();
    expect(existsSync(lockFile)).toBe(false);
    // Another host: alive as long as it refreshes the lock.
    writeFileSync(lockFile, JSON.stringify({ pid: 1, host: 'elsewhere' }));
    expect(await localCompactionStore.lock(lockFile)).toEqual({ heldBy: 1 });
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lockFile, old, old);
    const stale = await localCompactionStore.lock(lockFile);
    expect('release' in stale).toBe(true);
    if ('release' in stale) await stale.release();
  });
});
