/**
 * The reader on files written the way our writer writes them (hyparquet-writer, INT64
 * TIMESTAMP(NANOS, isAdjustedToUTC=false)), on escaped and null Hive values, and on bad input:
 * corrupt and truncated files, schema drift between files, columns without a core type.
 */
import { copyFileSync, mkdirSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MemoryLogger, MemoryQuarantine, type Row, SchemaError } from '@etl/core';
import { parquetMetadataAsync } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDuckDB, duckdbRead, sqlString, tempDir } from './__fixtures__/duckdb-oracle.js';
import {
  BOOLEAN,
  DATE,
  DOUBLE,
  INT64,
  NS_TIMESTAMP,
  STRING,
  writeHandmadeParquet,
} from './__fixtures__/handmade-parquet.js';
import { FileAsyncBuffer } from './file-async-buffer.js';
import { ParquetReader } from './parquet-reader.js';

let root: string;
let duck: DuckDBConnection;

async function readAll(reader: ParquetReader, input: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of reader.read(input)) for (const r of batch) rows.push(r);
  return rows;
}

function tradeColumns(n: number, offset: number) {
  return [
    {
      name: 'ts',
      element: NS_TIMESTAMP,
      data: BigInt64Array.from(
        { length: n },
        (_, i) => 1786309548123456789n + BigInt(offset + i) * 1_000_000_007n,
      ),
    },
    {
      name: 'price',
      element: DOUBLE,
      data: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : 65083.66 + (offset + i) / 100)),
    },
    { name: 'seq', element: INT64, data: Array.from({ length: n }, (_, i) => BigInt(offset + i)) },
    {
      name: 'side',
      element: STRING,
      data: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i % 2 ? 'BUY' : 'SELL')),
    },
    {
      name: 'maker',
      element: BOOLEAN,
      data: Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : i % 3 === 0)),
    },
    {
      name: 'd',
      element: DATE,
      data: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : 20674 + (i % 3))),
    },
  ];
}

const escaped = () =>
  join(root, 'trades', 'product_id=A%2FB', 'date=__HIVE_DEFAULT_PARTITION__', 'part-s1-0000.parquet');
const plain = () => join(root, 'trades', 'product_id=C', 'date=2026-08-09', 'part-s1-0000.parquet');

beforeAll(async () => {
  root = tempDir('handmade');
  duck = await connectDuckDB();
  // Small pages: each column chunk arrives in several pieces that the reader must join.
  writeHandmadeParquet(escaped(), tradeColumns(1000, 0), { rowGroupSize: 300, pageSize: 512, codec: 'GZIP' });
  writeHandmadeParquet(plain(), tradeColumns(500, 1000), { rowGroupSize: 500 });
  writeFileSync(
    join(root, 'trades', 'product_id=C', 'date=2026-08-09', '.part-s2-0000.parquet.tmp'),
    'partial',
  );
  mkdirSync(join(root, 'trades', '_temporary'), { recursive: true });
  copyFileSync(plain(), join(root, 'trades', '_temporary', 'part-0.parquet'));
});

afterAll(() => {
  duck?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('ParquetReader on files written like @etl/writer-parquet', () => {
  it('matches DuckDB, nanoseconds and Hive escapes included', async () => {
    const dir = join(root, 'trades');
    const reader = new ParquetReader({ batchSize: 256 });
    const rows = await readAll(reader, dir);
    const expected = await duckdbRead(duck, sqlString(`${dir}/product_id=*/date=*/*.parquet`));
    expect(rows.length).toBe(1500);
    expect(rows).toEqual(expected.rows);
    expect(rows[0]).toEqual({
      ts: 1786309548123456789n,
      price: null,
      seq: 0n,
      side: null,
      maker: null,
      d: null,
      product_id: 'A/B',
      date: null,
    });
    expect(rows[1]).toMatchObject({
      ts: 1786309549123456796n,
      price: 65083.66 + 1 / 100,
      side: 'BUY',
      maker: false,
      d: '2026-08-10',
    });
    expect(rows[1000]).toMatchObject({ product_id: 'C', date: '2026-08-09', seq: 1000n });
    expect(reader.stats().counters).toMatchObject({ files: 2, row_groups: 5 });

    const schema = await reader.schema(dir);
    expect(schema.fields.map((f) => [f.name, f.type, f.unit ?? '', f.nullable])).toEqual([
      ['ts', 'timestamp', 'ns', false],
      ['price', 'double', '', true],
      ['seq', 'int64', '', true],
      ['side', 'string', '', true],
      ['maker', 'bool', '', true],
      ['d', 'date', '', true],
      ['product_id', 'string', '', false],
      ['date', 'date', '', true],
    ]);
  });

  it('filters on unescaped and null partition values', async () => {
    const dir = join(root, 'trades');
    expect(await new ParquetReader({ filter: { product_id: 'A/B' } }).files(dir)).toEqual([escaped()]);
    expect(await new ParquetReader({ filter: { date: null } }).files(dir)).toEqual([escaped()]);
    expect(await new ParquetReader({ filter: { date: { gte: '2026-01-01' } } }).files(dir)).toEqual([
      plain(),
    ]);
    expect(await new ParquetReader({ filter: { date: [null, '2026-08-09'] } }).files(dir)).toEqual([
      escaped(),
      plain(),
    ]);
  });

  it('restores partition columns with the types asked for', async () => {
    const dir = join(root, 'trades');
    const reader = new ParquetReader({ partitionTypes: { date: 'string' }, columns: ['date', 'seq'] });
    const schema = await reader.schema(dir);
    expect(schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['date', 'string'],
      ['seq', 'int64'],
    ]);
    const rows = await readAll(reader, plain());
    expect(rows[0]).toEqual({ date: '2026-08-09', seq: 1000n });
  });

  it('reads one row group at a time: a projection or an early stop reads a fraction of a large file', async () => {
    const big = join(root, 'big', 'part-0.parquet');
    const n = 200_000;
    writeHandmadeParquet(
      big,
      ['a', 'b', 'c', 'd'].map((name, k) => ({
        name,
        element: DOUBLE,
        data: Float64Array.from({ length: n }, (_, i) => Math.sin(i * (k + 1)) * 1e6),
      })),
      { rowGroupSize: 20_000, codec: 'UNCOMPRESSED' },
    );
    const projected = new ParquetReader({ columns: ['c'] });
    const rows = await readAll(projected, big);
    expect(rows.length).toBe(n);
    expect(rows[12_345]).toEqual({ c: Math.sin(12_345 * 3) * 1e6 });
    const stats = projected.stats();
    expect(stats.counters.row_groups).toBe(10);
    expect(stats.counters.bytes_read).toBeLessThan(stats.bytesIn * 0.4);

    const early = new ParquetReader({ batchSize: 1000 });
    for await (const batch of early.read(big)) {
      expect(batch[0]).toEqual({ a: 0, b: 0, c: 0, d: 0 });
      break;
    }
    const e = early.stats();
    expect(e.counters.row_groups).toBe(1);
    expect(e.recordsOut).toBe(1000);
    // Footer tail plus the first row group; never the whole file.
    expect(e.counters.bytes_read).toBeLessThan(e.bytesIn * 0.25);
  });
});

describe('ParquetReader on bad input', () => {
  let bad: string;
  let good: string;
  let truncated: string;

  beforeAll(() => {
    const dir = join(root, 'mixed');
    good = join(dir, 'a-good.parquet');
    writeHandmadeParquet(good, tradeColumns(100, 0), { rowGroupSize: 100 });
    bad = join(dir, 'b-garbage.parquet');
    writeFileSync(bad, 'this is not parquet at all, just text that happens to end in a .parquet name');
    truncated = join(dir, 'c-truncated.parquet');
    copyFileSync(good, truncated);
    truncateSync(truncated, 500);
  });

  it('stops with an error naming the file when no quarantine is given', async () => {
    const reader = new ParquetReader();
    await expect(readAll(reader, join(root, 'mixed'))).rejects.toThrow(`${bad}: not a readable Parquet file`);
    await expect(readAll(reader, truncated)).rejects.toMatchObject({
      code: 'E_PARQUET',
      message: expect.stringContaining(`${truncated}: not a readable Parquet file`),
    });
  });

  it('sets unreadable files aside and reads the rest when a quarantine is given', async () => {
    const quarantine = new MemoryQuarantine();
    const logger = new MemoryLogger();
    const reader = new ParquetReader({ quarantine, logger });
    const rows = await readAll(reader, join(root, 'mixed'));
    expect(rows.length).toBe(100);
    expect(rows[99]).toMatchObject({ seq: 99n });
    expect(quarantine.entries.map((e) => [e.file, e.line, e.stage])).toEqual([
      [bad, 0, 'parquet-reader'],
      [truncated, 0, 'parquet-reader'],
    ]);
    expect(quarantine.entries[0]?.reason).toMatch(/not a readable Parquet file/);
    const stats = reader.stats();
    expect(stats.errors).toBe(2);
    expect(stats.counters).toMatchObject({ files: 1, files_failed: 2 });
    expect(logger.records.filter((r) => r.level === 'warn').length).toBe(2);
  });

  it('sets a corrupt row group aside, naming its first row, and keeps the others', async () => {
    const path = join(root, 'corrupt', 'part-0.parquet');
    writeHandmadeParquet(path, tradeColumns(900, 0), { rowGroupSize: 300, codec: 'GZIP' });
    const buffer = await FileAsyncBuffer.open(path);
    const metadata = await parquetMetadataAsync(buffer);
    await buffer.close();
    const chunk = metadata.row_groups[1]?.columns[1]?.meta_data;
    if (!chunk) throw new Error('no column chunk');
    const fd = openSync(path, 'r+');
    // Overwrite the middle of the second row group's compressed price page.
    writeSync(
      fd,
      Buffer.alloc(24, 0xff),
      0,
      24,
      Number(chunk.data_page_offset + chunk.total_compressed_size / 2n),
    );
    const quarantine = new MemoryQuarantine();
    const reader = new ParquetReader({ quarantine });
    const rows = await readAll(reader, path);
    expect(rows.length).toBe(600);
    expect(rows[299]).toMatchObject({ seq: 299n });
    expect(rows[300]).toMatchObject({ seq: 600n });
    expect(quarantine.entries.map((e) => [e.file, e.line])).toEqual([[path, 301]]);
    expect(quarantine.entries[0]?.reason).toContain(`${path}: row group 1 (rows 301-600)`);
    expect(reader.stats().counters).toMatchObject({ row_groups: 2, row_groups_failed: 1 });
    await expect(readAll(new ParquetReader(), path)).rejects.toThrow(`${path}: row group 1 (rows 301-600)`);
  });

  it('names the file that lacks a projected column, or reads it as null when asked', async () => {
    const dir = join(root, 'drift');
    const cols = tradeColumns(10, 0);
    writeHandmadeParquet(join(dir, 'p1.parquet'), cols, { rowGroupSize: 10 });
    writeHandmadeParquet(
      join(dir, 'p2.parquet'),
      cols.filter((c) => c.name !== 'side'),
      { rowGroupSize: 10 },
    );
    await expect(readAll(new ParquetReader({ columns: ['seq', 'side'] }), dir)).rejects.toThrow(
      new SchemaError(
        `${join(dir, 'p2.parquet')}: no column side (set missingColumns: 'null' to read it as null)`,
      ),
    );
    const lenient = new ParquetReader({ columns: ['seq', 'side'], missingColumns: 'null' });
    const rows = await readAll(lenient, dir);
    expect(rows.slice(9, 11)).toEqual([
      { seq: 9n, side: 'BUY' },
      { seq: 0n, side: null },
    ]);
    const schema = await new ParquetReader().schema(dir);
    expect(schema.fields.find((f) => f.name === 'side')).toMatchObject({ type: 'string', nullable: true });
    expect(schema.fields.find((f) => f.name === 'ts')).toMatchObject({ nullable: false });
  });

  it('reports a column whose type differs between files', async () => {
    const dir = join(root, 'conflict');
    writeHandmadeParquet(join(dir, 'p1.parquet'), [{ name: 'x', element: INT64, data: [1n] }], {
      rowGroupSize: 1,
    });
    writeHandmadeParquet(join(dir, 'p2.parquet'), [{ name: 'x', element: STRING, data: ['1'] }], {
      rowGroupSize: 1,
    });
    await expect(new ParquetReader().schema(dir)).rejects.toThrow(
      `column x is int64 in ${join(dir, 'p1.parquet')} but string in ${join(dir, 'p2.parquet')}`,
    );
  });

  it('names a column without a core type and reads the others when it is left out', async () => {
    const path = join(root, 'nested', 'n.parquet');
    mkdirSync(join(root, 'nested'), { recursive: true });
    await duck.run(
      `COPY (SELECT i::BIGINT AS id, [i, i + 1] AS pair, i::UINTEGER + 4000000000 AS big, TIME '01:02:03' + INTERVAL (i) SECOND AS t FROM range(5) t(i)) TO ${sqlString(path)} (FORMAT parquet)`,
    );
    await expect(readAll(new ParquetReader(), path)).rejects.toThrow(
      `${path}: column t: TIME has no core column type; leave it out with the columns option`,
    );
    const rows = await readAll(new ParquetReader({ columns: ['id', 'pair', 'big'] }), path);
    const expected = await duckdbRead(duck, sqlString(path), { columns: ['id', 'big'] });
    expect(rows.map((r) => ({ id: r.id, big: r.big }))).toEqual(
      expected.rows.map((r) => ({ id: r.id, big: BigInt(r.big as number) })),
    );
    expect(rows[4]).toEqual({ id: 4n, pair: [4n, 5n], big: 4000000004n });
    expect((await new ParquetReader({ columns: ['big'] }).schema(path)).fields[0]).toMatchObject({
      type: 'int64',
    });
  });
});
