/**
 * `etl inspect` as a user runs it on what `etl run` wrote from the real sample segment: every
 * number and type it prints must equal what DuckDB reads from the same files.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, glob, readyDir, SEGMENT } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the CLI's parsed JSON output; the assertions check its shape
type Json = Record<string, any>;

let output: string;
let runSummary: Json;

beforeAll(async () => {
  const dirs = readyDir([SEGMENT]);
  output = dirs.output;
  const r = await etl(['run', '--input', dirs.ready, '--output', output, '--json']);
  expect(r.code).toBe(0);
  runSummary = JSON.parse(r.stdout);
});

const level2Dir = () => path.join(output, 'coinbase', 'level2');

describe('etl inspect <dataset dir> --json', () => {
  let report: Json;
  let dataset: Json;

  beforeAll(async () => {
    const r = await etl(['inspect', level2Dir(), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    report = JSON.parse(r.stdout);
    expect(report.datasets).toHaveLength(1);
    dataset = report.datasets[0];
  });

  it('reports the rows, files and row groups DuckDB counts', async () => {
    const db = await duckdb();
    const g = glob(output, 'level2');
    const counted = await db.one(`SELECT count(*) AS n FROM read_parquet('${g}')`);
    const groups = await db.one(
      `SELECT count(DISTINCT (file_name, row_group_id)) AS n, count(DISTINCT file_name) AS files FROM parquet_metadata('${g}')`,
    );
    expect(dataset.name).toBe('level2');
    expect(dataset.path).toBe(level2Dir());
    expect(dataset.rows).toBe(Number(counted.n));
    expect(dataset.rows).toBe(runSummary.datasets.level2.rows);
    expect(dataset.files).toBe(Number(groups.files));
    expect(dataset.row_groups).toBe(Number(groups.n));
    expect(report).toMatchObject({
      target: level2Dir(),
      files: dataset.files,
      rows: dataset.rows,
      row_groups: dataset.row_groups,
    });
    const [file] = dataset.file_list;
    expect(file.bytes).toBe(statSync(file.path).size);
    expect(dataset.bytes).toBe(runSummary.datasets.level2.bytes);
    expect(file.compression).toBe('ZSTD');
    expect(dataset.uncompressed_bytes).toBeGreaterThan(dataset.bytes);
  });

  it('gives the schema DuckDB reads, with Parquet types and nullability from the file', async () => {
    const db = await duckdb();
    const described = await db.rows(
      `DESCRIBE SELECT * FROM read_parquet('${glob(output, 'level2')}', hive_partitioning = true)`,
    );
    expect(dataset.schema.map((c: Json) => [c.name, c.type])).toEqual(
      described.map((c) => [c.column_name, c.column_type]),
    );
    const physical = await db.rows(
      `SELECT name, type, repetition_type FROM parquet_schema('${dataset.file_list[0].path}') WHERE num_children IS NULL`,
    );
    for (const p of physical) {
      const c = dataset.schema.find((x: Json) => x.name === p.name);
      expect(c, String(p.name)).toMatchObject({
        physical: p.type,
        nullable: p.repetition_type !== 'REQUIRED',
        partition: false,
      });
    }
    const byName = Object.fromEntries(dataset.schema.map((c: Json) => [c.name, c]));
    expect(byName.server_timestamp).toMatchObject({
      type: 'TIMESTAMP_NS',
      physical: 'INT64',
      logical: 'TIMESTAMP(NANOS, utc=false)',
    });
    expect(byName.price_level).toMatchObject({
      type: 'DOUBLE',
      physical: 'DOUBLE',
      logical: null,
      nullable: false,
    });
    expect(byName.sequence_num).toMatchObject({ type: 'BIGINT', physical: 'INT64' });
    expect(byName.product_id).toMatchObject({
      type: 'VARCHAR',
      physical: null,
      partition: true,
      nullable: false,
    });
    expect(byName.date).toMatchObject({ type: 'DATE', partition: true });
  });

  it('lists the partitions DuckDB finds through Hive partitioning', async () => {
    const db = await duckdb();
    const parts = await db.rows(
      `SELECT DISTINCT product_id, CAST(date AS VARCHAR) AS date FROM read_parquet('${glob(output, 'level2')}', hive_partitioning = true)`,
    );
    expect(dataset.partitions).toEqual({
      product_id: [...new Set(parts.map((p) => p.product_id))].sort(),
      date: [...new Set(parts.map((p) => p.date))].sort(),
    });
    expect(dataset.file_list[0].partition).toEqual({ product_id: 'BTC-USD', date: '2026-08-09' });
    expect(dataset.file_list[0].relative).toMatch(
      /^product_id=BTC-USD\/date=2026-08-09\/part-segment_20260809T21_00001-\d+\.parquet$/,
    );
  });

  it('shows the key-value metadata stored in the file', async () => {
    const db = await duckdb();
    const kv = await db.rows(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${dataset.file_list[0].path}')`,
    );
    expect(dataset.metadata).toEqual(Object.fromEntries(kv.map((r) => [r.k, r.v])));
    expect(dataset.metadata).toMatchObject({
      'etl.dataset': 'level2',
      'etl.source': 'coinbase',
      'etl.segment': 'segment_20260809T21_00001.ndjson',
    });
  });
});

describe('etl inspect (text)', () => {
  it('prints the same facts for people: sizes, schema table, partitions, files, metadata', async () => {
    const r = await etl(['inspect', level2Dir()]);
    expect(r.code).toBe(0);
    const { datasets } = JSON.parse((await etl(['inspect', level2Dir(), '--json'])).stdout);
    const d = datasets[0];
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`level2  ${level2Dir()}`);
    expect(lines[1]).toMatch(
      new RegExp(
        `^ {2}1 file, ${d.rows.toLocaleString('en-US')} rows, 1 row group, [\\d.]+ KiB \\([\\d.]+ KiB uncompressed\\), ZSTD$`,
      ),
    );
    expect(r.stdout).toMatch(/^server_timestamp +TIMESTAMP_NS +INT64 TIMESTAMP\(NANOS, utc=false\) +yes$/m);
    expect(r.stdout).toMatch(/^price_level +DOUBLE +DOUBLE +no$/m);
    expect(r.stdout).toMatch(/^product_id +VARCHAR +\(partition\) +no$/m);
    expect(r.stdout).toContain('  product_id (1 value): BTC-USD\n  date (1 value): 2026-08-09\n');
    expect(r.stdout).toMatch(
      new RegExp(
        `^product_id=BTC-USD/date=2026-08-09/part-\\S+\\.parquet +${d.rows.toLocaleString('en-US')} +1 +[\\d.]+ KiB +ZSTD$`,
        'm',
      ),
    );
    expect(r.stdout).toContain('Key-value metadata\n');
    expect(r.stdout).toContain('  etl.dataset = level2\n');
  });
});

describe('etl inspect on the whole output and on one file', () => {
  it('reports every dataset of the output with the rows the run wrote', async () => {
    const r = await etl(['inspect', output, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const rows = Object.fromEntries(report.datasets.map((d: Json) => [d.name, d.rows]));
    const expected = Object.fromEntries(
      Object.entries(runSummary.datasets).map(([k, v]) => [k, (v as Json).rows]),
    );
    expect(rows).toEqual(expected);
    expect(report.rows).toBe(Object.values(expected).reduce((a: number, b) => a + (b as number), 0));
    const ticker = report.datasets.find((d: Json) => d.name === 'ticker');
    expect(ticker.partitions).toEqual({ date: ['2026-08-09'], hour: ['21'] });
    expect(ticker.schema.find((c: Json) => c.name === 'hour')).toMatchObject({
      type: 'BIGINT',
      partition: true,
    });

    const text = await etl(['inspect', output]);
    expect(text.stdout.split('\n')[0]).toMatch(
      new RegExp(`^${output}: ${report.datasets.length} datasets, ${report.files} files, `),
    );
  });

  it('reads the partitions of a single file from its path', async () => {
    const { datasets } = JSON.parse((await etl(['inspect', level2Dir(), '--json'])).stdout);
    const file = datasets[0].file_list[0].path;
    const r = await etl(['inspect', file, '--json']);
    expect(r.code).toBe(0);
    const one = JSON.parse(r.stdout).datasets[0];
    expect(one).toMatchObject({ name: 'level2', path: level2Dir(), files: 1, rows: datasets[0].rows });
    expect(one.partitions).toEqual({ product_id: ['BTC-USD'], date: ['2026-08-09'] });
  });

  it('exits 2 with a clear message for a missing path or a directory without Parquet', async () => {
    const missing = await etl(['inspect', path.join(output, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`etl: no such file or directory: ${path.join(output, 'nope')}\n`);
    const empty = path.join(output, 'empty-dir');
    mkdirSync(empty);
    const none = await etl(['inspect', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no .parquet files at or under ${empty}`);
    expect((await etl(['inspect'])).code).toBe(2);
  });
});
