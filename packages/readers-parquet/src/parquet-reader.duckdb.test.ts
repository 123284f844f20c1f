/**
 * The reader against DuckDB on a Hive-partitioned dataset that DuckDB itself wrote (zstd, several
 * row groups per file, TIMESTAMP_NS with nine-digit fractions, nulls): same rows, columns, types
 * and values, for full, projected and pruned reads.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError, checkRow, type Row, type Schema } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDuckDB, coreTypeOf, duckdbRead, sqlString, tempDir } from './__fixtures__/duckdb-oracle.js';
import { ParquetReader } from './parquet-reader.js';

const ROWS = 60_000;
const PRODUCTS = ['BTC-USD', 'ETH-USD', 'SOL-USD'];
const DATES = ['2026-08-08', '2026-08-09', '2026-08-10', '2026-08-11'];

let root: string;
let dir: string;
let duck: DuckDBConnection;
let glob: string;

async function readAll(reader: ParquetReader, input: string): Promise<{ rows: Row[]; sizes: number[] }> {
  const rows: Row[] = [];
  const sizes: number[] = [];
  for await (const batch of reader.read(input)) {
    sizes.push(batch.length);
    for (const r of batch) rows.push(r);
  }
  return { rows, sizes };
}

function expectSchemaMatchesDuckDB(schema: Schema, names: readonly string[], types: readonly string[]): void {
  names.forEach((name, i) => {
    const field = schema.fields.find((f) => f.name === name);
    expect(field, name).toBeDefined();
    const expected = coreTypeOf(types[i]!);
    expect({ name, type: field?.type, unit: field?.unit }).toEqual({
      name,
      type: expected.type,
      unit: expected.unit,
    });
  });
}

beforeAll(async () => {
  root = tempDir('duckdb');
  dir = join(root, 'level2');
  // DuckDB's `**` also descends into dot-directories, so the oracle names the partition levels.
  glob = sqlString(`${dir}/product_id=*/date=*/*.parquet`);
  duck = await connectDuckDB();
  // Adding an INTERVAL to a TIMESTAMP_NS drops DuckDB to microseconds, so nanosecond values are
  // built from epoch nanoseconds instead.
  await duck.run(`
    COPY (
      SELECT
        ['BTC-USD', 'ETH-USD', 'SOL-USD'][i % 3 + 1] AS product_id,
        DATE '2026-08-08' + ((i // 7) % 4)::INTEGER AS date,
        make_timestamp_ns(1786309548123456789 + i * 1000000007) AS ts,
        make_timestamp(1786309548123456 + i * 1003) AS ts_us,
        i::BIGINT AS sequence_num,
        CASE WHEN i % 11 = 0 THEN NULL ELSE 65000 + (i % 997) / 100 END::DOUBLE AS price,
        CASE WHEN i % 13 = 0 THEN NULL WHEN i % 2 = 0 THEN 'bid' ELSE 'offer' END AS side,
        CASE WHEN i % 17 = 0 THEN NULL ELSE i % 5 = 0 END AS is_snapshot,
        DATE '2020-02-28' + (i % 3)::INTEGER AS trade_date,
        (i % 100000)::INTEGER AS level
      FROM range(${ROWS}) t(i)
    ) TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (product_id, date), COMPRESSION zstd, ROW_GROUP_SIZE 1000)
  `);
  // Things a reader must never pick up: writer temp files, Spark markers, hidden directories.
  const some = join(dir, 'product_id=BTC-USD', 'date=2026-08-09');
  writeFileSync(join(some, '.part-1-0000.parquet.tmp'), 'half-written');
  writeFileSync(join(dir, '_SUCCESS'), '');
  writeFileSync(join(some, 'notes.txt'), 'not parquet');
  mkdirSync(join(dir, '.staging'), { recursive: true });
  await duck.run(
    `COPY (SELECT 1 AS x) TO ${sqlString(join(dir, '.staging', 'stray.parquet'))} (FORMAT parquet)`,
  );
  mkdirSync(join(root, 'empty'), { recursive: true });
});

afterAll(() => {
  duck?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('ParquetReader on a DuckDB-written Hive dataset', () => {
  it('reads every row, column, type and value exactly as DuckDB does', async () => {
    const reader = new ParquetReader();
    const { rows } = await readAll(reader, dir);
    const expected = await duckdbRead(duck, glob);
    expect(rows.length).toBe(ROWS);
    expect(rows).toEqual(expected.rows);

    // DuckDB lists Hive columns alphabetically; the reader keeps path order (outermost first).
    const fileColumns = expected.names.filter((n) => n !== 'product_id' && n !== 'date');
    expect(Object.keys(rows[0]!)).toEqual([...fileColumns, 'product_id', 'date']);

    const schema = await reader.schema(dir);
    expect(schema.fields.map((f) => f.name)).toEqual([...fileColumns, 'product_id', 'date']);
    expectSchemaMatchesDuckDB(schema, expected.names, expected.types);
    for (const row of rows) expect(checkRow(schema, row)).toEqual([]);

    // Nanoseconds survive: the first row's timestamp is the exact value written.
    const first = rows.find((r) => r.sequence_num === 0n);
    expect(first?.ts).toBe(1786309548123456789n);
    expect(first?.ts_us).toBe(1786309548123456n);
    expect(first?.date).toBe('2026-08-08');
    expect(first?.trade_date).toBe('2020-02-28');
    expect(rows.filter((r) => r.price === null).length).toBe(Math.ceil(ROWS / 11));
    expect(rows.filter((r) => r.side === null).length).toBe(Math.ceil(ROWS / 13));
  });

  it('reads files in sorted path order, row group by row group, and reports stats', async () => {
    const reader = new ParquetReader();
    const files = await reader.files(dir);
    expect(files.length).toBe(12);
    expect(files).toEqual([...files].sort());
    expect(files.every((f) => f.endsWith('/data_0.parquet') && !f.includes('.staging'))).toBe(true);
    const { rows } = await readAll(reader, dir);
    const order = rows.map((r) => `${r.product_id as string}/${r.date as string}`);
    const expectedOrder = PRODUCTS.flatMap((p) => DATES.map((d) => `${p}/${d}`));
    expect([...new Set(order)]).toEqual(expectedOrder);

    const meta = await duck.runAndReadAll(
      `SELECT count(DISTINCT (file_name, row_group_id))::INTEGER AS n FROM parquet_metadata(${glob})`,
    );
    const rowGroups = meta.getRowObjects()[0]?.n as number;
    expect(rowGroups).toBeGreaterThan(12);
    const stats = reader.stats();
    expect(stats).toMatchObject({ name: 'parquet-reader', recordsIn: ROWS, recordsOut: ROWS, errors: 0 });
    expect(stats.counters).toMatchObject({ files: 12, row_groups: rowGroups, files_pruned: 0 });
    expect(stats.bytesIn).toBe(files.reduce((n, f) => n + statSync(f).size, 0));
    expect(stats.counters.bytes_read).toBeLessThanOrEqual(stats.bytesIn);
  });

  it('yields full batches across row-group and file boundaries', async () => {
    const reader = new ParquetReader({ batchSize: 777 });
    const { rows, sizes } = await readAll(reader, dir);
    expect(sizes.slice(0, -1).every((n) => n === 777)).toBe(true);
    expect(sizes.at(-1)).toBe(ROWS % 777);
    expect(sizes.length).toBe(Math.ceil(ROWS / 777));
    const reference = await readAll(new ParquetReader(), dir);
    expect(rows).toEqual(reference.rows);
    expect(reader.stats().recordsOut).toBe(ROWS);
  });

  it('decodes only the projected columns, in the order asked, partition columns only if named', async () => {
    const columns = ['ts', 'product_id', 'price'];
    const reader = new ParquetReader({ columns });
    const { rows } = await readAll(reader, dir);
    const expected = await duckdbRead(duck, glob, { columns });
    expect(rows).toEqual(expected.rows);
    expect(Object.keys(rows[0]!)).toEqual(columns);
    const schema = await reader.schema(dir);
    expect(schema.fields.map((f) => f.name)).toEqual(columns);
    expectSchemaMatchesDuckDB(schema, expected.names, expected.types);

    const noPartition = await readAll(new ParquetReader({ columns: ['sequence_num'] }), dir);
    expect(Object.keys(noPartition.rows[0]!)).toEqual(['sequence_num']);
    const onlyPartition = await readAll(new ParquetReader({ columns: ['date'] }), dir);
    expect(onlyPartition.rows.length).toBe(ROWS);
    expect(onlyPartition.rows[0]).toEqual({ date: '2026-08-08' });
  });

  it('prunes partitions by product and date range without opening pruned files', async () => {
    const filter = { product_id: 'BTC-USD', date: { gte: '2026-08-09', lte: '2026-08-10' } };
    const reader = new ParquetReader({ filter });
    const files = await reader.files(dir);
    expect(files).toEqual([
      join(dir, 'product_id=BTC-USD', 'date=2026-08-09', 'data_0.parquet'),
      join(dir, 'product_id=BTC-USD', 'date=2026-08-10', 'data_0.parquet'),
    ]);
    const { rows } = await readAll(reader, dir);
    const expected = await duckdbRead(duck, glob, {
      where: `product_id = 'BTC-USD' AND date BETWEEN DATE '2026-08-09' AND DATE '2026-08-10'`,
    });
    expect(rows.length).toBe(expected.rows.length);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(expected.rows);
    const stats = reader.stats();
    expect(stats.counters).toMatchObject({ files: 2, files_pruned: 10 });
    expect(stats.bytesIn).toBe(files.reduce((n, f) => n + statSync(f).size, 0));
  });

  it('prunes with IN lists and exclusive bounds, and combines with projection', async () => {
    const reader = new ParquetReader({
      filter: { product_id: ['ETH-USD', 'SOL-USD'], date: { gt: '2026-08-10' } },
      columns: ['sequence_num', 'date', 'product_id'],
    });
    const { rows } = await readAll(reader, dir);
    const expected = await duckdbRead(duck, glob, {
      columns: ['sequence_num', 'date', 'product_id'],
      where: `product_id IN ('ETH-USD', 'SOL-USD') AND date > DATE '2026-08-10'`,
    });
    expect(rows).toEqual(expected.rows);
    expect(reader.stats().counters).toMatchObject({ files: 2, files_pruned: 10 });
  });

  it('selects files with globs', async () => {
    const reader = new ParquetReader();
    expect(await reader.files(`${dir}/**/*.parquet`)).toEqual(await reader.files(dir));
    const some = await reader.files(`${dir}/product_id=*-USD/date=2026-08-1?/*.parquet`);
    expect(some.length).toBe(6);
    expect(some.every((f) => /date=2026-08-1[01]/.test(f))).toBe(true);
    const { rows } = await readAll(
      new ParquetReader({ columns: ['sequence_num'] }),
      `${dir}/product_id=SOL-*/**/*.parquet`,
    );
    const expected = await duckdbRead(duck, sqlString(`${dir}/product_id=SOL-*/**/*.parquet`), {
      columns: ['sequence_num'],
    });
    expect(rows).toEqual(expected.rows);
    expect(await reader.files(`${dir}/product_id=DOGE-*/**/*.parquet`)).toEqual([]);
    await expect(reader.files(`${root}/missing/**/*.parquet`)).rejects.toThrow(
      `parquet input not found: ${root}/missing (base directory of ${root}/missing/**/*.parquet)`,
    );
  });

  it('reads a single file, with the partition values of its path', async () => {
    const file = join(dir, 'product_id=ETH-USD', 'date=2026-08-11', 'data_0.parquet');
    const { rows } = await readAll(new ParquetReader(), file);
    const expected = await duckdbRead(duck, sqlString(file));
    expect(rows).toEqual(expected.rows);
    expect(rows[0]).toMatchObject({ product_id: 'ETH-USD', date: '2026-08-11' });
    const plain = await readAll(new ParquetReader({ hive: false }), file);
    expect(Object.keys(plain.rows[0]!)).not.toContain('product_id');
    expect(plain.rows.length).toBe(rows.length);
  });

  it('reads an empty directory as no rows, and names a missing path', async () => {
    const reader = new ParquetReader();
    expect((await readAll(reader, join(root, 'empty'))).sizes).toEqual([]);
    expect(await reader.schema(join(root, 'empty'))).toEqual({ fields: [] });
    expect(reader.stats()).toMatchObject({ recordsIn: 0, recordsOut: 0 });
    const missing = join(root, 'no-such-dataset');
    await expect(readAll(reader, missing)).rejects.toThrow(`parquet input not found: ${missing}`);
    await expect(readAll(reader, missing)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('rejects filters that cannot select anything by mistake', async () => {
    await expect(readAll(new ParquetReader({ filter: { date: { gte: 20260809 } } }), dir)).rejects.toThrow(
      ConfigError,
    );
    expect(() => new ParquetReader({ filter: { date: '2026-08-09' }, hive: false })).toThrow(
      'config filter: partition filters need hive: true',
    );
    expect(() => new ParquetReader({ batchSize: 0 })).toThrow(
      'config batchSize: expected a positive integer, got 0',
    );
    expect(() => new ParquetReader({ columns: ['a', 'a'] })).toThrow(
      'config columns: column a is named twice',
    );
    expect(() => new ParquetReader({ partitionTypes: { hour: 'int' as never } })).toThrow(
      /partitionTypes\.hour/,
    );
    expect(() => new ParquetReader({ binaryAsString: 'yes' as never })).toThrow(
      'config binaryAsString: expected true or false, got yes',
    );
    // A filter on a column that is not a partition column prunes everything (and says so in the log).
    const reader = new ParquetReader({ filter: { side: 'bid' } });
    expect(await reader.files(dir)).toEqual([]);
  });
});

describe('ParquetReader partition typing, like DuckDB', () => {
  async function writeAt(path: string, sql: string): Promise<void> {
    mkdirSync(join(path, '..'), { recursive: true });
    await duck.run(`COPY (${sql}) TO ${sqlString(path)} (FORMAT parquet)`);
  }

  it('keeps hour=05 a string and the partition value over a same-named file column', async () => {
    const base = join(root, 'ticker');
    await writeAt(
      join(base, 'date=2026-08-09', 'hour=05', 'p.parquet'),
      `SELECT 1::BIGINT AS n, 'in-file' AS date`,
    );
    await writeAt(
      join(base, 'date=2026-08-09', 'hour=14', 'p.parquet'),
      `SELECT 2::BIGINT AS n, 'in-file' AS date`,
    );
    const reader = new ParquetReader();
    const rows = await readAll(reader, base);
    const expected = await duckdbRead(duck, sqlString(`${base}/date=*/hour=*/*.parquet`));
    expect(rows.rows).toEqual(expected.rows);
    expect(rows.rows).toEqual([
      { n: 1n, date: '2026-08-09', hour: '05' },
      { n: 2n, date: '2026-08-09', hour: '14' },
    ]);
    expectSchemaMatchesDuckDB(await reader.schema(base), expected.names, expected.types);
  });

  it('restores canonical integers as int64', async () => {
    const base = join(root, 'hours');
    await writeAt(join(base, 'hour=14', 'p.parquet'), `SELECT 1::BIGINT AS n`);
    await writeAt(join(base, 'hour=9', 'p.parquet'), `SELECT 2::BIGINT AS n`);
    const reader = new ParquetReader({ filter: { hour: { lte: 10 } } });
    const expected = await duckdbRead(duck, sqlString(`${base}/hour=*/*.parquet`), { where: 'hour <= 10' });
    expect(expected.types).toEqual(['BIGINT', 'BIGINT']);
    expect((await readAll(reader, base)).rows).toEqual(expected.rows);
    expect(expected.rows).toEqual([{ n: 2n, hour: 9n }]);
    expectSchemaMatchesDuckDB(await reader.schema(base), expected.names, expected.types);
  });
});
