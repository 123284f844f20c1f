import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, col, extendSchema, MemoryLogger, type Row, SchemaError } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftedRows, craftedSchema, SNAPSHOT_NS, tempRoot } from './__fixtures__/crafted.js';
import { listFiles, openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
import { ParquetWriter } from './parquet-writer.js';

let db: TestEngine;
let dirs: Awaited<ReturnType<typeof tempRoot>>;

beforeAll(async () => {
  db = await openDuckDb();
  dirs = await tempRoot();
});
afterAll(async () => {
  db.close();
  await dirs.cleanup();
});

const glob = (dir: string) => sqlString(`${dir}/**/*.parquet`);
const readAll = (dir: string, extra = '') =>
  `SELECT * FROM read_parquet(${glob(dir)}, hive_partitioning=true${extra})`;

async function writeRows(writer: ParquetWriter, dir: string, rows: Row[], inputId = 'seg-1') {
  const session = writer.open({
    path: dir,
    schema: craftedSchema,
    partitionCols: ['product_id', 'date'],
    inputId,
  });
  await session.write(rows);
  return session.close();
}

describe('ParquetWriter with DuckDB as the reader', () => {
  it('writes the column types the schema declares', async () => {
    const dir = dirs.next();
    await writeRows(new ParquetWriter(), dir, craftedRows(5));
    const described = await db.query(`DESCRIBE ${readAll(dir)}`);
    const types = Object.fromEntries(described.map((r) => [r.column_name, r.column_type]));
    expect(types).toEqual({
      ts: 'TIMESTAMP_NS',
      price: 'DOUBLE',
      qty: 'DOUBLE',
      seq: 'BIGINT',
      count: 'INTEGER',
      flag: 'BOOLEAN',
      note: 'VARCHAR',
      product_id: 'VARCHAR',
      date: 'DATE',
    });
  });

  it('round-trips exact values: nine fractional digits, nulls, doubles, bigints', async () => {
    const dir = dirs.next();
    const rows = craftedRows(4);
    rows.push({
      product_id: 'BTC-USD',
      date: '2026-08-09',
      ts: null,
      price: null,
      qty: 0.1 + 0.2,
      seq: null,
    });
    rows.push({
      product_id: 'BTC-USD',
      date: '2026-08-09',
      ts: -1n,
      price: -0.00000011,
      qty: 1e300,
      seq: -(2n ** 63n),
    });
    await writeRows(new ParquetWriter(), dir, rows);
    const got = await db.query(
      `SELECT ts::VARCHAR AS ts_text, epoch_ns(ts) AS ns, price, qty, seq, count, flag, note, date::VARCHAR AS day ${readAll(dir).slice('SELECT *'.length)} ORDER BY qty`,
    );
    expect(got[0]).toEqual({
      ts_text: '2026-08-09 21:05:48.483587501',
      ns: SNAPSHOT_NS,
      price: 65_000,
      qty: 0,
      seq: 0n,
      count: 0,
      flag: true,
      note: null,
      day: '2026-08-09',
    });
    expect(got[1]).toMatchObject({
      ts_text: null,
      ns: null,
      price: null,
      qty: 0.1 + 0.2,
      seq: null,
      count: null,
    });
    expect(got[1]?.flag).toBeNull();
    expect(got[2]).toMatchObject({
      ns: SNAPSHOT_NS + 1n,
      price: 65_000.01,
      seq: 1n,
      count: 1,
      flag: false,
      note: 'n1',
    });
    expect(got[5]).toMatchObject({ ns: -1n, price: -0.00000011, qty: 1e300, seq: -(2n ** 63n) });
  });

  it('writes Hive partitions whose escaped values round-trip through DuckDB', async () => {
    const dir = dirs.next();
    const products = ['BTC-USD', '../../x', 'a/b', '100%', 'k=v', 'sp ace', '', null];
    const rows = products.flatMap((p, i) => craftedRows(2, p as string, '2026-08-09', i * 2));
    // product_id is required in craftedSchema; nullable here so null reaches the default partition.
    const schema = extendSchema(craftedSchema, [col.string('product_id', { dictionary: true })]);
    const session = new ParquetWriter().open({
      path: dir,
      schema,
      partitionCols: ['product_id'],
      inputId: 'seg-1',
    });
    await session.write(rows);
    const result = await session.close();
    expect(result.files).toHaveLength(7); // '' and null share the default partition
    for (const file of result.files) expect(file.path.startsWith(`${dir}/product_id=`)).toBe(true);
    const dirsOnDisk = new Set((await listFiles(dir)).map((f) => f.split('/')[0]));
    expect([...dirsOnDisk].sort()).toEqual([
      'product_id=..%2F..%2Fx',
      'product_id=100%25',
      'product_id=BTC-USD',
      'product_id=__HIVE_DEFAULT_PARTITION__',
      'product_id=a%2Fb',
      'product_id=k%3Dv',
      'product_id=sp ace',
    ]);
    const got = await db.query(
      `SELECT product_id, count(*) AS n FROM read_parquet(${glob(dir)}, hive_partitioning=true) GROUP BY ALL ORDER BY ALL`,
    );
    expect(got).toEqual([
      { product_id: '../../x', n: 2n },
      { product_id: '100%', n: 2n },
      { product_id: 'BTC-USD', n: 2n },
      { product_id: 'a/b', n: 2n },
      { product_id: 'k=v', n: 2n },
      { product_id: 'sp ace', n: 2n },
      { product_id: null, n: 4n },
    ]);
    const defaults = result.files.find((f) => f.path.includes('__HIVE_DEFAULT_PARTITION__'));
    expect(defaults?.partition).toEqual({ product_id: null });
    expect(defaults?.rows).toBe(4);
  });

  it('writes a row group every rowGroupSize rows, with min/max statistics', async () => {
    const dir = dirs.next();
    await writeRows(new ParquetWriter({ rowGroupSize: 100 }), dir, craftedRows(250));
    const groups = await db.query(
      `SELECT row_group_id, any_value(row_group_num_rows) AS n FROM parquet_metadata(${glob(dir)}) GROUP BY ALL ORDER BY ALL`,
    );
    expect(groups.map((g) => g.n)).toEqual([100n, 100n, 50n]);
    const stats = await db.query(
      `SELECT row_group_id, stats_min_value AS lo, stats_max_value AS hi, stats_null_count AS nulls
       FROM parquet_metadata(${glob(dir)}) WHERE path_in_schema = 'count' ORDER BY row_group_id`,
    );
    expect(stats).toEqual([
      { row_group_id: 0n, lo: '0', hi: '99', nulls: 0n },
      { row_group_id: 1n, lo: '100', hi: '199', nulls: 0n },
      { row_group_id: 2n, lo: '200', hi: '249', nulls: 0n },
    ]);
    const ts = await db.query(
      `SELECT stats_min_value AS lo FROM parquet_metadata(${glob(dir)}) WHERE path_in_schema = 'ts' AND row_group_id = 0`,
    );
    expect(ts[0]?.lo).toBe('2026-08-09 21:05:48.483587501');
  });

  it('rolls a partition over to a new file at maxRowsPerFile', async () => {
    const dir = dirs.next();
    const writer = new ParquetWriter({ rowGroupSize: 50, maxRowsPerFile: 120 });
    const result = await writeRows(writer, dir, craftedRows(300));
    expect(result.files.map((f) => [path.basename(f.path), f.rows])).toEqual([
      ['part-seg-1-0000.parquet', 120],
      ['part-seg-1-0001.parquet', 120],
      ['part-seg-1-0002.parquet', 60],
    ]);
    const perFile = await db.query(
      `SELECT parse_filename(filename) AS f, count(*) AS n, min(count) AS lo, max(count) AS hi
       FROM read_parquet(${glob(dir)}, filename=true) GROUP BY ALL ORDER BY ALL`,
    );
    expect(perFile).toEqual([
      { f: 'part-seg-1-0000.parquet', n: 120n, lo: 0, hi: 119 },
      { f: 'part-seg-1-0001.parquet', n: 120n, lo: 120, hi: 239 },
      { f: 'part-seg-1-0002.parquet', n: 60n, lo: 240, hi: 299 },
    ]);
    const groups = await db.query(
      `SELECT row_group_num_rows AS n FROM parquet_metadata(${sqlString(result.files[0]!.path)}) WHERE path_in_schema = 'qty' ORDER BY row_group_id`,
    );
    expect(groups.map((g) => g.n)).toEqual([50n, 50n, 20n]);
  });

  it('writes zstd, snappy, gzip and uncompressed files that DuckDB reads alike', async () => {
    const rows = craftedRows(500);
    const codecs = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', none: 'UNCOMPRESSED' } as const;
    for (const [compression, name] of Object.entries(codecs)) {
      const dir = dirs.next();
      await writeRows(new ParquetWriter({ compression: compression as keyof typeof codecs }), dir, rows);
      const meta = await db.query(`SELECT DISTINCT compression FROM parquet_metadata(${glob(dir)})`);
      expect(meta).toEqual([{ compression: name }]);
      const sums = await db.query(
        `SELECT count(*) AS n, sum(seq) AS s, sum(qty) AS q ${readAll(dir).slice(8)}`,
      );
      expect(sums).toEqual([{ n: 500n, s: 124_750n, q: 124_750 }]);
    }
  });

  it('stores key-value metadata in every file', async () => {
    const dir = dirs.next();
    const writer = new ParquetWriter();
    const session = writer.open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id'],
      inputId: 'segment_20260809T21_00001.ndjson',
      metadata: { 'etl.schema_version': '3', 'etl.processors': '@etl/processors-coinbase@0.1.0' },
    });
    await session.write([...craftedRows(2, 'BTC-USD'), ...craftedRows(2, 'ETH-USD')]);
    await session.close();
    const kv = await db.query(
      `SELECT parse_filename(file_name) AS f, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${glob(dir)}) ORDER BY ALL`,
    );
    const version = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
    const expected = [
      ['etl.input', 'segment_20260809T21_00001.ndjson'],
      ['etl.processors', '@etl/processors-coinbase@0.1.0'],
      ['etl.schema_version', '3'],
      ['etl.writer', `@etl/writer-parquet@${version}`],
    ];
    const file = 'part-segment_20260809T21_00001.ndjson-0000.parquet';
    expect(kv).toEqual(
      expected.flatMap(([k, v]) => [
        { f: file, k, v },
        { f: file, k, v },
      ]),
    );
    const createdBy = await db.query(`SELECT DISTINCT created_by FROM parquet_file_metadata(${glob(dir)})`);
    expect(createdBy).toEqual([{ created_by: `@etl/writer-parquet version ${version}` }]);
  });

  it('defaults etl.schema_version to 1 and names files after a random id without inputId', async () => {
    const dir = dirs.next();
    const session = new ParquetWriter().open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id'],
    });
    await session.write(craftedRows(1));
    const result = await session.close();
    const name = path.basename(result.files[0]!.path);
    expect(name).toMatch(/^part-[0-9a-f]{16}-0000\.parquet$/);
    const kv = await db.query(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${glob(dir)}) WHERE decode(key) IN ('etl.schema_version', 'etl.input') ORDER BY k`,
    );
    expect(kv).toEqual([
      { k: 'etl.input', v: name.slice('part-'.length, -'-0000.parquet'.length) },
      { k: 'etl.schema_version', v: '1' },
    ]);
  });

  it('reports stats: rows in and out, bytes of finished files, files, row groups, partitions', async () => {
    const dir = dirs.next();
    const writer = new ParquetWriter({ rowGroupSize: 40 });
    const result = await writeRows(writer, dir, [
      ...craftedRows(100, 'BTC-USD'),
      ...craftedRows(30, 'ETH-USD'),
    ]);
    const onDisk = result.files.reduce((n, f) => n + statSync(f.path).size, 0);
    expect(result.bytes).toBe(onDisk);
    expect(result.rows).toBe(130);
    const stats = writer.stats();
    expect(stats).toMatchObject({
      name: 'parquet-writer',
      recordsIn: 130,
      recordsOut: 130,
      errors: 0,
      bytesOut: onDisk,
    });
    expect(stats.counters).toEqual({ partitions: 2, row_groups: 4, files: 2 });
  });

  it('writes partition columns into the files too with keepPartitionColumns', async () => {
    const dir = dirs.next();
    await writeRows(new ParquetWriter({ keepPartitionColumns: true }), dir, craftedRows(3));
    const file = (await listFiles(dir))[0]!;
    const columns = await db.query(
      `SELECT name FROM parquet_schema(${sqlString(path.join(dir, file))}) WHERE name IN ('product_id', 'date') ORDER BY name`,
    );
    expect(columns).toEqual([{ name: 'date' }, { name: 'product_id' }]);
    const plain = dirs.next();
    await writeRows(new ParquetWriter(), plain, craftedRows(3));
    const none = await db.query(
      `SELECT name FROM parquet_schema(${glob(plain)}) WHERE name IN ('product_id', 'date')`,
    );
    expect(none).toEqual([]);
  });

  it('writes a single file when the target path names one', async () => {
    const dir = dirs.next();
    const file = path.join(dir, 'out.parquet');
    const writer = new ParquetWriter({ maxRowsPerFile: 10 });
    const session = writer.open({ path: file, schema: craftedSchema });
    await session.write(craftedRows(25));
    const result = await session.close();
    expect(result.files.map((f) => [f.path, f.rows])).toEqual([[file, 25]]);
    expect(await listFiles(dir)).toEqual(['out.parquet']);
    const empty = path.join(dir, 'empty.parquet');
    const emptyResult = await writer.open({ path: empty, schema: craftedSchema }).close();
    expect(emptyResult.files).toEqual([{ path: empty, rows: 0, bytes: statSync(empty).size, partition: {} }]);
    const described = await db.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(empty)})`);
    expect(described).toHaveLength(craftedSchema.fields.length);
  });

  it('rejects bad options with ConfigError', () => {
    expect(() => new ParquetWriter({ compression: 'lz4' as 'zstd' })).toThrow(ConfigError);
    expect(() => new ParquetWriter({ rowGroupSize: 0 })).toThrow(ConfigError);
    expect(() => new ParquetWriter({ maxRowsPerFile: 1.5 })).toThrow(ConfigError);
    expect(() => new ParquetWriter({ compressionLevel: 30 })).toThrow(ConfigError);
    expect(() =>
      new ParquetWriter().open({
        path: '/tmp/x',
        schema: craftedSchema,
        partitionCols: ['product_id', 'product_id'],
      }),
    ).toThrow(ConfigError);
  });

  it('refuses a column type it cannot write with a SchemaError naming the column, before any file', async () => {
    const dir = dirs.next();
    const schema = extendSchema(craftedSchema, [col.list('bids', col.double('element'))]);
    expect(() => new ParquetWriter({ useWorker: false }).open({ path: dir, schema })).toThrow(
      new SchemaError(
        'column bids: @etl/writer-parquet cannot write list<double> columns; leave the column out or convert it first',
      ),
    );
    expect(await listFiles(dir).catch(() => [])).toEqual([]);
  });

  it('logs finished files through the given logger only', async () => {
    const logger = new MemoryLogger();
    await writeRows(new ParquetWriter({ logger }), dirs.next(), craftedRows(3));
    expect(logger.records.map((r) => r.message)).toEqual(['parquet file finished']);
    expect(logger.records[0]?.fields).toMatchObject({ rows: 3, rowGroups: 1 });
  });
});
