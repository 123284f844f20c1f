/**
 * Files DuckDB writes at test time, one per family of column types (lists, structs, maps, lists
 * of structs, decimals of every physical width, UUID, BLOB, every timestamp unit, dates, floats,
 * enums, empty files, nulls everywhere), each read with ParquetReader and with DuckDB and every
 * value compared; plus the documented value forms, projection of a whole nested column, and
 * partition pruning on a dataset with nested columns.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { describeType, type Row } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDuckDB, sqlString, tempDir } from './__fixtures__/duckdb-oracle.js';
import { readBoth } from './__fixtures__/read-both.js';
import { ParquetReader } from './parquet-reader.js';

let root: string;
let duck: DuckDBConnection;

beforeAll(async () => {
  root = tempDir('types');
  duck = await connectDuckDB();
  await duck.run(`CREATE TYPE side AS ENUM ('bid', 'offer')`);
});

afterAll(() => {
  duck?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

async function readAll(reader: ParquetReader, input: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of reader.read(input)) for (const r of batch) rows.push(r);
  return rows;
}

/** Writes `select` with DuckDB (extra COPY options appended), returns the file's path. */
async function write(name: string, select: string, copyOptions = ''): Promise<string> {
  const path = join(root, `${name}.parquet`);
  await duck.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet${copyOptions})`);
  return path;
}

/** The file read by both readers: same row count, every value equal; returns ours. */
async function expectSameAsDuckDB(path: string): Promise<Row[]> {
  const c = await readBoth(duck, path, {}, { limit: 10 });
  expect(c.ours.error).toBeUndefined();
  expect(c.duckdb.error).toBeUndefined();
  expect(c.mismatches).toEqual([]);
  expect(c.ours.rows?.length).toBe(c.duckdb.rows?.length);
  return c.ours.rows ?? [];
}

async function typesOf(path: string): Promise<string[]> {
  const schema = await new ParquetReader().schema(path);
  return schema.fields.map((f) => `${f.name} ${describeType(f)}${f.nullable ? '' : ' not null'}`);
}

const CASES: Readonly<Record<string, string>> = {
  lists: `SELECT i AS id,
      CASE WHEN i % 7 = 3 THEN NULL WHEN i % 5 = 0 THEN [] ELSE [i, i + 1, NULL, i * 2] END AS ints,
      [[i::DOUBLE], [], NULL, [NULL, 0.5]] AS nested,
      [CASE WHEN i % 2 = 0 THEN 'a' END, 'b' || i] AS texts
    FROM range(3000) t(i)`,
  structs: `SELECT i AS id,
      CASE WHEN i % 4 = 1 THEN NULL ELSE {'a': i, 'b': CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' || i END, 'c': {'d': [i]}} END AS s
    FROM range(3000) t(i)`,
  maps: `SELECT i AS id,
      CASE WHEN i % 6 = 2 THEN NULL WHEN i % 6 = 4 THEN MAP {} ELSE MAP {'k' || i: i, 'z': NULL} END AS m,
      MAP {i: [i::VARCHAR], i + 1: NULL} AS int_keys
    FROM range(3000) t(i)`,
  book_snapshots: `SELECT i AS seq, 'BTC-USD' AS product_id,
      [{'price': (65000 + i / 100)::DECIMAL(18, 2), 'size': (0.5 + i)::DOUBLE}, {'price': 64999.99::DECIMAL(18, 2), 'size': NULL}] AS bids,
      CASE WHEN i % 10 = 0 THEN [] ELSE [{'price': (65001 + i / 100)::DECIMAL(18, 2), 'size': 1.25::DOUBLE}] END AS asks
    FROM range(2000) t(i)`,
  decimals: `SELECT ((i - 500) / 100)::DECIMAL(4, 2) AS d4, ((i - 500) * 1234567.891)::DECIMAL(18, 6) AS d18,
      ((i - 500) * 123456789012345678901.2345678901)::DECIMAL(38, 10) AS d38,
      CASE WHEN i % 3 = 0 THEN NULL ELSE (i * 7)::DECIMAL(9, 0) END AS d9,
      9999999999999999999999999999.9999999999::DECIMAL(38, 10) AS dmax, -0.01::DECIMAL(5, 2) AS dneg
    FROM range(1000) t(i)`,
  uuid_blob: `SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID END AS id,
      CASE WHEN i % 4 = 0 THEN NULL ELSE ('\\xAA\\x00\\xFF' || i::VARCHAR)::BLOB END AS bytes,
      ''::BLOB AS empty_bytes
    FROM range(1000) t(i)`,
  timestamps: `SELECT TIMESTAMP '2026-08-09 12:34:56.123456' + INTERVAL (i) SECOND AS us,
      (TIMESTAMP '2026-08-09 12:34:56.123' + INTERVAL (i) MILLISECOND)::TIMESTAMP_MS AS ms,
      CASE WHEN i % 2 = 0 THEN '2026-08-09 12:34:56.123456789'::TIMESTAMP_NS ELSE '1969-12-31 23:59:59.999999999'::TIMESTAMP_NS END AS ns,
      (TIMESTAMP '1969-12-31 23:59:59' + INTERVAL (i) SECOND)::TIMESTAMP_S AS s,
      TIMESTAMPTZ '2026-08-09 12:00:00+02' AS tz,
      CASE WHEN i % 2 = 0 THEN NULL ELSE DATE '1970-01-01' + (i * 40)::INTEGER END AS d,
      [DATE '2026-08-09', NULL] AS dates
    FROM range(1000) t(i)`,
  numbers: `SELECT i::TINYINT AS i8, (i * 300)::SMALLINT AS i16, (i * 70000)::INTEGER AS i32, (i * 5000000000)::BIGINT AS i64,
      i::UTINYINT AS u8, i::USMALLINT AS u16, (4000000000 + i)::UINTEGER AS u32, (i * 1000)::UINTEGER AS u32_small,
      (18000000000000000000 + i)::UBIGINT AS u64,
      (i / 3)::FLOAT AS f32, CASE WHEN i = 1 THEN 'NaN'::DOUBLE WHEN i = 2 THEN 'inf'::DOUBLE WHEN i = 3 THEN -0.0 ELSE i / 7 END AS f64,
      i % 2 = 0 AS flag, CASE WHEN i % 2 = 0 THEN 'bid' ELSE 'offer' END::side AS side
    FROM range(100) t(i)`,
  nulls_everywhere: `SELECT NULL::BIGINT AS a, NULL::VARCHAR AS b, NULL::DECIMAL(18, 3) AS c, NULL::INTEGER[] AS d,
      NULL::STRUCT(x INTEGER) AS e, NULL::MAP(VARCHAR, INTEGER) AS f, NULL::TIMESTAMP_NS AS g, NULL::BLOB AS h
    FROM range(500)`,
  empty: `SELECT 1::BIGINT AS a, [1] AS b, {'x': 1} AS c FROM range(0)`,
};

describe('ParquetReader on files DuckDB writes, every value compared with DuckDB', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const path = await write(name, CASES[name]!, ', ROW_GROUP_SIZE 1024');
    await expectSameAsDuckDB(path);
  });

  const v2 = Object.keys(CASES).filter((name) => name !== 'numbers');
  it.each(v2)('%s, Parquet format v2 (data page v2, delta encodings)', async (name) => {
    const path = await write(`${name}-v2`, CASES[name]!, ', PARQUET_VERSION V2, COMPRESSION zstd');
    await expectSameAsDuckDB(path);
  });

  it('numbers, Parquet format v2: refuses UINT_32 ≥ 2^31 that hyparquet would decode wrong, reads the rest', async () => {
    const path = await write('numbers-v2', CASES.numbers!, ', PARQUET_VERSION V2, COMPRESSION zstd');
    await expect(readAll(new ParquetReader(), path)).rejects.toThrow(
      `${path}: row group 0 (rows 1-100): column u32: UINT_32 values of 2^31 and more encoded DELTA_BINARY_PACKED are decoded wrongly by hyparquet`,
    );
    const columns = [
      'i8',
      'i16',
      'i32',
      'i64',
      'u8',
      'u16',
      'u32_small',
      'u64',
      'f32',
      'f64',
      'flag',
      'side',
    ];
    const c = await readBoth(
      duck,
      path,
      { columns },
      {
        duckdbSql: `SELECT ${columns.join(', ')} FROM read_parquet(${sqlString(path)})`,
      },
    );
    expect(c.ours.error).toBeUndefined();
    expect(c.mismatches).toEqual([]);
    expect(c.ours.rows?.[99]).toMatchObject({ u32_small: 99000n });
  });
});

describe('documented value forms', () => {
  it('lists are arrays, structs plain objects, maps {key, value} entries, nulls kept', async () => {
    const path = await write('forms-nested', CASES.lists!);
    const rows = await readAll(new ParquetReader(), path);
    expect(rows[1]).toEqual({
      id: 1n,
      ints: [1n, 2n, null, 2n],
      nested: [[1], [], null, [null, 0.5]],
      texts: [null, 'b1'],
    });
    expect(rows[3]?.ints).toBeNull();
    expect(rows[5]?.ints).toEqual([]);
    expect(await typesOf(path)).toEqual([
      'id int64',
      'ints list<int64>',
      'nested list<list<double>>',
      'texts list<string>',
    ]);
    const maps = await readAll(new ParquetReader(), await write('forms-maps', CASES.maps!));
    expect(maps[1]).toEqual({
      id: 1n,
      m: [
        { key: 'k1', value: 1n },
        { key: 'z', value: null },
      ],
      int_keys: [
        { key: 1n, value: ['1'] },
        { key: 2n, value: null },
      ],
    });
    expect([maps[2]?.m, maps[4]?.m]).toEqual([null, []]);
    const structs = await readAll(new ParquetReader(), await write('forms-structs', CASES.structs!));
    expect(structs.slice(0, 2)).toEqual([
      { id: 0n, s: { a: 0n, b: null, c: { d: [0n] } } },
      { id: 1n, s: null },
    ]);
  });

  it('decimals are exact strings whatever their physical type; UUIDs strings; BLOBs bytes', async () => {
    const path = await write('forms-decimals', CASES.decimals!);
    expect(await typesOf(path)).toEqual([
      'd4 decimal(4,2)',
      'd18 decimal(18,6)',
      'd38 decimal(38,10)',
      'd9 decimal(9,0)',
      'dmax decimal(38,10)',
      'dneg decimal(5,2)',
    ]);
    const rows = await readAll(new ParquetReader(), path);
    expect(rows[0]).toEqual({
      d4: '-5.00',
      d18: '-617283945.500000',
      d38: '-61728394506172839450617.2839450500',
      d9: null,
      dmax: '9999999999999999999999999999.9999999999',
      dneg: '-0.01',
    });
    const bytes = await readAll(new ParquetReader(), await write('forms-uuid', CASES.uuid_blob!));
    expect(bytes[1]).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      bytes: Uint8Array.from([0xaa, 0x00, 0xff, 0x31]),
      empty_bytes: new Uint8Array(0),
    });
  });

  it('timestamps stay bigint in the file unit; an empty file yields no rows but has a schema', async () => {
    const path = await write('forms-ts', CASES.timestamps!);
    const rows = await readAll(new ParquetReader({ columns: ['ns', 'us', 'dates'] }), path);
    expect(rows[0]).toEqual({ ns: 1786278896123456789n, us: 1786278896123456n, dates: ['2026-08-09', null] });
    const empty = await write('forms-empty', CASES.empty!);
    expect(await readAll(new ParquetReader(), empty)).toEqual([]);
    expect(await typesOf(empty)).toEqual(['a int64', 'b list<int32>', 'c struct<x: int32>']);
  });

  it('refuses INTERVAL and TIME columns by name, and reads the rest without them', async () => {
    const path = await write('forms-interval', `SELECT 1 AS a, INTERVAL 3 DAY AS span`);
    await expect(readAll(new ParquetReader(), path)).rejects.toThrow(
      `${path}: column span: INTERVAL has no core column type; leave it out with the columns option`,
    );
    expect(await readAll(new ParquetReader({ columns: ['a'] }), path)).toEqual([{ a: 1 }]);
  });

  it('reads un-annotated binary as text when asked (binaryAsString)', async () => {
    const path = await write('forms-binary', `SELECT 'abc'::BLOB AS b`);
    expect(await readAll(new ParquetReader(), path)).toEqual([{ b: new TextEncoder().encode('abc') }]);
    expect(await readAll(new ParquetReader({ binaryAsString: true }), path)).toEqual([{ b: 'abc' }]);
  });
});

describe('projection and partition pruning with nested columns', () => {
  it('projects a nested column whole and prunes partitions of a dataset of book snapshots', async () => {
    const dir = join(root, 'books');
    mkdirSync(dir, { recursive: true });
    await duck.run(
      `COPY (SELECT *, DATE '2026-08-09' + (seq % 3)::INTEGER AS date FROM (${CASES.book_snapshots})) TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (product_id, date), ROW_GROUP_SIZE 100)`,
    );
    const reader = new ParquetReader({ columns: ['asks', 'seq'], filter: { date: '2026-08-10' } });
    const files = await reader.files(dir);
    expect(files.length).toBe(1);
    const rows = await readAll(reader, dir);
    const expected = await duck.runAndReadAll(
      `SELECT seq FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning=true) WHERE date = DATE '2026-08-10' ORDER BY seq`,
    );
    expect(rows.map((r) => r.seq)).toEqual(expected.getRowObjects().map((r) => r.seq));
    expect(Object.keys(rows[0] ?? {})).toEqual(['asks', 'seq']);
    expect(rows[0]).toEqual({ asks: [{ price: '65001.01', size: 1.25 }], seq: 1n });
    expect(reader.stats().counters).toMatchObject({ files: 1, files_pruned: 2 });
    expect((await reader.schema(dir)).fields.map(describeType)).toEqual([
      'list<struct<price: decimal(18,2), size: double>>',
      'int64',
    ]);
  });
});
