/**
 * The writer's own typed encoder (on the worker thread and on the calling thread) against the
 * straightforward path: hyparquet-writer encoding the rows' JS values. DuckDB must read the same
 * values, in the same order, and the same column statistics from every file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { col, dayFromDateKey, defineSchema, type Field, type Row, type Schema } from '@etl/core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftedRows, craftedSchema, tempRoot } from './__fixtures__/crafted.js';
import { openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
import { level2Schema, readLevel2Rows, SEGMENT_FIXTURE } from './__fixtures__/level2.js';
import { type ParquetCompression, pageCompression, prepareCompression } from './compression.js';
import { parquetSchemaFor } from './parquet-schema.js';
import { ParquetWriter } from './parquet-writer.js';

let db: TestEngine;
let dirs: Awaited<ReturnType<typeof tempRoot>>;

beforeAll(async () => {
  db = await openDuckDb();
  dirs = await tempRoot();
  await prepareCompression('zstd');
});
afterAll(async () => {
  db.close();
  await dirs.cleanup();
});

/** What hyparquet-writer takes for a core field's value (dates as day numbers). */
function plainValue(field: Field, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return field.type === 'date' ? dayFromDateKey(value as string) : value;
}

/** The straightforward path: hyparquet-writer encodes the JS values of every column. */
async function writePlain(
  file: string,
  schema: Schema,
  rows: Row[],
  rowGroupSize: number,
  compression: ParquetCompression,
) {
  const codec = pageCompression(compression);
  const buffer = parquetWriteBuffer({
    schema: parquetSchemaFor(schema),
    columnData: schema.fields.map((f) => ({
      name: f.name,
      data: rows.map((r) => plainValue(f, r[f.name])),
      ...(f.dictionary ? { encoding: 'RLE_DICTIONARY' as const } : {}),
    })),
    codec: codec.codec as 'ZSTD',
    compressors: codec.compress ? { [codec.codec]: codec.compress } : {},
    rowGroupSize,
    statistics: true,
  });
  await writeFile(file, new Uint8Array(buffer));
}

async function writeOurs(
  file: string,
  schema: Schema,
  rows: Row[],
  rowGroupSize: number,
  compression: ParquetCompression,
  useWorker: boolean,
) {
  const session = new ParquetWriter({ rowGroupSize, compression, useWorker }).open({ path: file, schema });
  for (let i = 0; i < rows.length; i += 1000) await session.write(rows.slice(i, i + 1000));
  await session.close();
}

async function contents(file: string) {
  const rows = await db.query(`SELECT * FROM read_parquet(${sqlString(file)})`);
  const stats = await db.query(
    `SELECT row_group_id, path_in_schema, row_group_num_rows, stats_min_value, stats_max_value, stats_null_count
     FROM parquet_metadata(${sqlString(file)}) ORDER BY row_group_id, path_in_schema`,
  );
  const types = await db.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
  return { rows, stats, types };
}

async function expectSameFiles(
  schema: Schema,
  rows: Row[],
  rowGroupSize: number,
  compression: ParquetCompression = 'zstd',
) {
  const dir = dirs.next();
  await mkdir(dir, { recursive: true });
  const files = ['plain', 'worker', 'thread'].map((n) => path.join(dir, `${n}.parquet`));
  await writePlain(files[0]!, schema, rows, rowGroupSize, compression);
  await writeOurs(files[1]!, schema, rows, rowGroupSize, compression, true);
  await writeOurs(files[2]!, schema, rows, rowGroupSize, compression, false);
  const [plain, worker, thread] = await Promise.all(files.map(contents));
  expect(plain!.rows).toHaveLength(rows.length);
  expect(worker).toEqual(plain);
  expect(thread).toEqual(plain);
  return plain!;
}

/** Every type, nulls everywhere allowed, and values that test encodings and statistics. */
function edgeRows(n: number): Row[] {
  const rows = craftedRows(n);
  const strings = ['', 'é', '\u{1F600}', '\uFFFF', 'a much longer note than sixteen bytes', 'n1'];
  rows.forEach((row, i) => {
    if (i % 7 === 0) row.price = null;
    if (i % 5 === 0) row.seq = null;
    if (i % 11 === 0) row.flag = null;
    if (i % 13 === 0) row.count = null;
    if (i % 17 === 0) row.ts = null;
    row.note = i % 3 === 0 ? null : strings[i % strings.length]!;
    row.date = i < n / 2 ? '1969-12-31' : '2026-08-09';
  });
  rows[1]!.qty = -0;
  rows[2]!.qty = Number.NaN;
  rows[3]!.qty = Number.POSITIVE_INFINITY;
  rows[4]!.qty = -1e300;
  rows[6]!.seq = -(2n ** 63n);
  rows[8]!.seq = 2n ** 63n - 1n;
  rows[9]!.count = -(2 ** 31);
  return rows;
}

describe('typed encoder against hyparquet-writer on the same rows', () => {
  it('writes the same values and statistics for every column type, nulls and edge values', async () => {
    const got = await expectSameFiles(craftedSchema, edgeRows(3000), 1000);
    expect(got.rows[1]!.qty).toBe(-0);
    expect(got.rows[2]!.qty).toBeNaN();
    expect(got.rows.filter((r) => r.note === null)).toHaveLength(1000);
  });

  it('writes the real level2 capture the same, in one and in several row groups', async () => {
    const rows = await readLevel2Rows(SEGMENT_FIXTURE);
    await expectSameFiles(level2Schema, rows, 65_536);
    await expectSameFiles(level2Schema, rows, 7_000, 'snappy');
  });

  it('writes dictionary-encoded numbers the same, NaN and nulls among them', async () => {
    const schema = defineSchema([
      col.double('level'),
      col.timestamp('t', 'ns', { nullable: false }),
      col.int32('n'),
      col.int64('big'),
    ]);
    const levels = [1.5, Number.NaN, 0, 2.25, -7, null];
    const rows: Row[] = [];
    for (let i = 0; i < 5000; i++) {
      rows.push({
        level: levels[Math.floor(i / 3) % levels.length],
        t: 1_786_309_548_000_000_000n + BigInt(Math.floor(i / 8)),
        n: i % 11 === 0 ? null : (i % 5) - 2,
        big: i % 9 === 0 ? null : BigInt(i % 4) * 2n ** 40n - 3n,
      });
    }
    const got = await expectSameFiles(schema, rows, 1700);
    const levelStats = got.stats.filter((s) => s.path_in_schema === 'level');
    expect(levelStats.map((s) => [s.stats_min_value, s.stats_max_value])).toEqual(
      Array(3).fill(['-7.0', '2.25']),
    );
  });

  it('keeps -0 and 0 apart in a dictionary (hyparquet-writer gives both the first one seen)', async () => {
    const schema = defineSchema([col.double('level')]);
    const levels = [1.5, -0, 0];
    const rows: Row[] = [];
    for (let i = 0; i < 300; i++) rows.push({ level: levels[Math.floor(i / 3) % 3] });
    const dir = dirs.next();
    const file = path.join(dir, 'zeros.parquet');
    await writeOurs(file, schema, rows, 300, 'zstd', true);
    const got = await db.query(`SELECT level FROM read_parquet(${sqlString(file)})`);
    expect(got.map((r) => Object.is(r.level, -0))).toEqual(rows.map((r) => Object.is(r.level, -0)));
    const encodings = await db.query(`SELECT encodings FROM parquet_metadata(${sqlString(file)})`);
    expect(encodings).toEqual([{ encodings: 'PLAIN, RLE_DICTIONARY' }]);
  });

  it('splits large column chunks into pages and keeps high-cardinality strings PLAIN', async () => {
    const schema = defineSchema([
      col.string('id', { nullable: false }),
      col.double('x', { nullable: false }),
      col.timestamp('t', 'ns'),
      col.string('tag', { dictionary: true }),
    ]);
    const rows: Row[] = [];
    for (let i = 0; i < 200_000; i++) {
      rows.push({
        id: `trade-${i}`,
        x: i * 0.001,
        t: 1_786_309_548_000_000_000n + BigInt(i * 3),
        tag: i % 100 === 0 ? null : `t${i % 3}`,
      });
    }
    const dir = dirs.next();
    const file = path.join(dir, 'big.parquet');
    await writeOurs(file, schema, rows, 200_000, 'none', true);
    const pages = await db.query(
      `SELECT path_in_schema AS col, encodings FROM parquet_metadata(${sqlString(file)}) ORDER BY 1`,
    );
    expect(pages).toEqual([
      { col: 'id', encodings: 'PLAIN' },
      { col: 't', encodings: 'PLAIN' },
      { col: 'tag', encodings: 'PLAIN, RLE_DICTIONARY' },
      { col: 'x', encodings: 'PLAIN' },
    ]);
    await expectSameFiles(schema, rows, 200_000, 'none');
  });
});
