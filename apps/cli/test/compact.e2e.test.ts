/**
 * `etl compact` (issue 18) on the real capture cut into four segments: four files per partition
 * before, one after, the same rows (DuckDB EXCEPT ALL both ways), level2 in time order by file row
 * number; compacting twice and converting a compacted segment again change nothing; a late
 * segment is merged into the compacted file; readers that follow the manifests never see a swap.
 */
import { cpSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl } from './helpers.js';
import { reconnectSegment, runArgs, splitFixture, type Workspace, workspace } from './workspace.js';

const DATASETS = ['level2', 'market_trades', 'ticker', 'candles', 'quality'];

/** Parquet files per partition directory of a dataset, by partition path. */
function filesPerPartition(output: string, dataset: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
      else if (e.name.endsWith('.parquet')) (out[rel] ??= []).push(e.name);
    }
  };
  walk(path.join(output, 'coinbase', dataset), '');
  return out;
}

const sql = (p: string) => p.replaceAll("'", "''");

describe('etl compact', () => {
  let ws: Workspace;
  let before: string;
  let done: string;

  beforeAll(async () => {
    ws = workspace();
    splitFixture(ws.ready, 4);
    const run = await etl([...runArgs(ws), '--keep-input']);
    expect(run.code, run.stderr).toBe(0);
    before = path.join(ws.root, 'before');
    cpSync(ws.output, before, { recursive: true });
    done = path.join(ws.raw, 'done', 'coinbase');
  }, 300_000);

  it('turns the four files of each partition into one, with the same rows, in time order', async () => {
    for (const dataset of ['level2', 'market_trades', 'ticker', 'quality']) {
      for (const files of Object.values(filesPerPartition(ws.output, dataset))) expect(files).toHaveLength(4);
    }
    const r = await etl(['compact', '--output', ws.output, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.partitions).toEqual({ compacted: 5, skipped: 0, failed: 0 });
    expect(summary.datasets.level2).toMatchObject({
      partitions: 1,
      files_before: 4,
      files_after: 1,
      rows: 47_930,
    });
    for (const dataset of DATASETS) {
      const partitions = filesPerPartition(ws.output, dataset);
      expect(Object.keys(partitions).length).toBeGreaterThan(0);
      for (const files of Object.values(partitions)) expect(files).toHaveLength(1);
    }
    const db = await duckdb();
    for (const dataset of DATASETS) {
      const diff = await datasetDifference(db, before, ws.output, dataset);
      expect(diff, dataset).toMatchObject({ missing: 0, extra: 0 });
      expect(diff.rows).toBeGreaterThan(0);
      const types = async (o: string) =>
        (
          await db.rows(
            `DESCRIBE SELECT * FROM read_parquet('${sql(o)}/coinbase/${dataset}/**/*.parquet', hive_partitioning = true)`,
          )
        ).map((c) => `${c.column_name} ${c.column_type}`);
      expect(await types(ws.output)).toEqual(await types(before));
    }
    const level2 = `${sql(ws.output)}/coinbase/level2/**/*.parquet`;
    const order = await db.one(
      `SELECT count(*) AS n, count(*) FILTER (WHERE rank <> file_row_number) AS out_of_order FROM (
         SELECT file_row_number, row_number() OVER (ORDER BY server_timestamp, sequence_num, file_row_number) - 1 AS rank
         FROM read_parquet('${level2}', file_row_number = true))`,
    );
    expect(order).toEqual({ n: 47_930n, out_of_order: 0n });
    const kv = await db.rows(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${level2}') ORDER BY 1`,
    );
    const meta = Object.fromEntries(kv.map((e) => [e.k, e.v]));
    expect(JSON.parse(meta['etl.segments'] as string)).toEqual(
      [1, 2, 3, 4].map((i) => `segment_20260809T21_0000${i}.ndjson`),
    );
    expect(meta).toMatchObject({
      'etl.source': 'coinbase',
      'etl.dataset': 'level2',
      'etl.schema_version': '1',
    });
    const stats = await db.one(
      `SELECT min(stats_min_value) AS lo, max(stats_max_value) AS hi, any_value(compression) AS codec FROM parquet_metadata('${level2}') WHERE path_in_schema = 'server_timestamp'`,
    );
    expect(stats.lo).toMatch(/^2026-08-09 21:/);
    expect(stats.hi).toMatch(/^2026-08-09 21:/);
    expect(stats.codec).toBe('ZSTD');
  }, 300_000);

  it('compacting again does nothing', async () => {
    const files = filesPerPartition(ws.output, 'level2');
    const r = await etl(['compact', '--output', ws.output, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).partitions).toEqual({ compacted: 0, skipped: 5, failed: 0 });
    expect(filesPerPartition(ws.output, 'level2')).toEqual(files);
  }, 120_000);

  it('refuses to convert a compacted segment again: it fails, every dataset unchanged', async () => {
    const name = 'segment_20260809T21_00002.ndjson';
    cpSync(path.join(done, name), path.join(ws.ready, name));
    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(ws.ready, name), later, later); // not a resumable re-run: a new conversion
    const r = await etl(runArgs(ws));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/compacted by etl compact/);
    expect(existsSync(path.join(ws.failed, name))).toBe(true);
    const report = JSON.parse(
      readFileSync(path.join(ws.failed, 'segment_20260809T21_00002.ndjson.error.json'), 'utf8'),
    );
    expect(JSON.stringify(report)).toMatch(/E_SEGMENT_COMPACTED/);
    const db = await duckdb();
    for (const dataset of DATASETS)
      expect(await datasetDifference(db, before, ws.output, dataset), dataset).toMatchObject({
        missing: 0,
        extra: 0,
      });
    for (const files of Object.values(filesPerPartition(ws.output, 'level2'))) expect(files).toHaveLength(1);
  }, 300_000);

  it('merges a late segment into the compacted file; its own segments stay refused', async () => {
    reconnectSegment(ws.ready, 'segment_20260809T21_00009.ndjson');
    const run = await etl([...runArgs(ws), '--keep-input']);
    expect(run.code, run.stderr).toBe(0);
    const trades = filesPerPartition(ws.output, 'market_trades');
    expect(Object.values(trades).some((f) => f.length === 2)).toBe(true);
    const db = await duckdb();
    const count = async () =>
      Number(
        (
          await db.one(
            `SELECT count(*) AS n FROM read_parquet('${sql(ws.output)}/coinbase/market_trades/**/*.parquet')`,
          )
        ).n,
      );
    const rows = await count();
    const r = await etl(['compact', '--output', ws.output, '--dataset', 'market_trades', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).datasets.market_trades).toMatchObject({ files_before: 2, files_after: 1 });
    for (const files of Object.values(filesPerPartition(ws.output, 'market_trades')))
      expect(files).toHaveLength(1);
    expect(await count()).toBe(rows);
    const manifest = JSON.parse(
      readFileSync(
        path.join(
          ws.output,
          'coinbase',
          '_compactions',
          'market_trades',
          'product_id=BTC-USD',
          'date=2026-08-09',
          'manifest.json',
        ),
        'utf8',
      ),
    );
    expect(manifest.state).toBe('done');
    expect(manifest.sources.map((s: { segment: string }) => s.segment).sort()).toEqual(
      [1, 2, 3, 4, 9].map((i) => `segment_20260809T21_0000${i}.ndjson`),
    );
    // Segment 1's trades are now two compactions deep: converting it again is still refused.
    const name = 'segment_20260809T21_00001.ndjson';
    cpSync(path.join(done, name), path.join(ws.ready, name));
    const later = new Date(Date.now() + 10_000);
    utimesSync(path.join(ws.ready, name), later, later);
    const again = await etl([...runArgs(ws), '--channels', 'market_trades']);
    expect(again.code).toBe(1);
    expect(await count()).toBe(rows);
  }, 300_000);

  it('etl query follows the manifests while a swap is under way; a directory glob does not', async () => {
    // Put the output in the middle of a swap: merged file in place, replaced files not yet deleted.
    const partition = path.join('level2', 'product_id=BTC-USD', 'date=2026-08-09');
    const manifestFile = path.join(ws.output, 'coinbase', '_compactions', partition, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const olds = filesPerPartition(before, 'level2')['product_id=BTC-USD/date=2026-08-09']!;
    for (const f of olds)
      cpSync(path.join(before, 'coinbase', partition, f), path.join(ws.output, 'coinbase', partition, f));
    const replaced = olds.map((f) => ({ path: path.join(partition, f), rows: 0 }));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, state: 'swapped', replaced }));
    const db = await duckdb();
    const globbed = await db.one(
      `SELECT count(*) AS n FROM read_parquet('${sql(ws.output)}/coinbase/level2/**/*.parquet')`,
    );
    expect(globbed.n).toBe(2n * 47_930n);
    const q = await etl(['query', 'SELECT count(*) AS n FROM level2', '--output', ws.output, '--json']);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 47_930 }]);
    // Still committed (merged file possibly renamed already): the old files are read, not the merged one.
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, state: 'committed', replaced }));
    const q3 = await etl(['query', 'SELECT count(*) AS n FROM level2', '--output', ws.output, '--json']);
    expect(JSON.parse(q3.stdout)).toEqual([{ n: 47_930 }]);
    // The next compaction (any etl command) finishes the swap: one file again.
    const r = await etl(['compact', '--output', ws.output, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).recovered.rolled_forward).toBe(1);
    expect(filesPerPartition(ws.output, 'level2')['product_id=BTC-USD/date=2026-08-09']).toHaveLength(1);
    expect(await datasetDifference(db, before, ws.output, 'level2')).toMatchObject({ missing: 0, extra: 0 });
  }, 300_000);

  it('bad usage exits 2 with one sentence', async () => {
    for (const args of [
      ['compact'],
      ['compact', '--output', ws.output, '--before', '2026-13-01'],
      ['compact', '--output', ws.output, '--before', '2999-01-01'],
      ['compact', '--output', ws.output, '--dataset', 'nope'],
      ['compact', '--output', path.join(ws.root, 'missing')],
      ['compact', '--output', 's3://bucket/prefix'],
    ]) {
      const r = await etl(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 120_000);
});
