import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Row } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftedRows, craftedSchema, tempRoot } from './__fixtures__/crafted.js';
import { openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
import { createColumnBuffer } from './column-buffer.js';
import { EncodePool } from './encode-pool.js';
import { parquetSchemaFor } from './parquet-schema.js';
import { ParquetWriter } from './parquet-writer.js';
import { WorkerPartFileEncoder } from './part-file-encoders.js';
import { COLUMN_OVERHEAD_BYTES } from './session-state.js';

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

/** Rows of four products, interleaved as a feed interleaves them. */
function interleaved(perProduct: number): Row[] {
  const products = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'DOGE-USD'].map((p, i) =>
    craftedRows(perProduct, p, '2026-08-09', i * perProduct),
  );
  const rows: Row[] = [];
  for (let k = 0; k < perProduct; k++) for (const list of products) rows.push(list[k]!);
  return rows;
}

describe('session memory budget', () => {
  it('writes a partition early when all partitions together would need too much memory', async () => {
    const dir = dirs.next();
    // 47 bytes a row (partition columns excluded) and the fixed cost of 7 columns per partition:
    // room for 4,096 rows in all, shared by four partitions, so no group fills a row group.
    const writer = new ParquetWriter({
      rowGroupSize: 4096,
      maxBufferedBytes: 47 * 4096 + 4 * 7 * COLUMN_OVERHEAD_BYTES,
    });
    const session = writer.open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    const rows = interleaved(5000);
    for (let i = 0; i < rows.length; i += 333) await session.write(rows.slice(i, i + 333));
    const result = await session.close();
    expect(result.rows).toBe(20_000);
    const groups = await db.query(
      `SELECT file_name, row_group_id, any_value(row_group_num_rows) AS n
       FROM parquet_metadata(${sqlString(`${dir}/**/*.parquet`)}) GROUP BY ALL`,
    );
    // No partition can hold half the budget while three others hold rows too.
    expect(Math.max(...groups.map((g) => Number(g.n)))).toBeLessThan(2048);
    // Without the budget each partition would have written two groups (8 in all).
    expect(groups.length).toBeGreaterThanOrEqual(20);
    expect(writer.stats().counters.row_groups).toBe(groups.length);
    const counts = await db.query(
      `SELECT product_id, count(*) AS n, min(count) AS lo, max(count) AS hi
       FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning=true) GROUP BY ALL ORDER BY lo`,
    );
    expect(counts).toEqual([
      { product_id: 'BTC-USD', n: 5000n, lo: 0, hi: 4999 },
      { product_id: 'ETH-USD', n: 5000n, lo: 5000, hi: 9999 },
      { product_id: 'SOL-USD', n: 5000n, lo: 10_000, hi: 14_999 },
      { product_id: 'DOGE-USD', n: 5000n, lo: 15_000, hi: 19_999 },
    ]);
  });

  it('shares the budget between the sessions of a writer, writing a quiet one early', async () => {
    const quiet = dirs.next();
    const busy = dirs.next();
    const writer = new ParquetWriter({
      rowGroupSize: 65_536,
      maxBufferedBytes: 47 * 12_288 + 2 * 7 * COLUMN_OVERHEAD_BYTES,
    });
    const a = writer.open({
      path: quiet,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    const b = writer.open({
      path: busy,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    // The quiet session holds 6,000 rows (8,192 rows of buffers); when the busy one would grow
    // past the budget, the quiet partition holds the most memory and is written.
    await a.write(craftedRows(6000, 'BTC-USD'));
    for (let i = 0; i < 40; i++) await b.write(craftedRows(1000, 'ETH-USD', '2026-08-09', i * 1000));
    const quietGroups = await db
      .query(`SELECT DISTINCT row_group_id FROM parquet_metadata(${sqlString(`${quiet}/**/*.parquet`)})`)
      .catch(() => []);
    // Written while the quiet session was idle: its file already exists (as a temporary file).
    expect(quietGroups).toEqual([]);
    expect((await readdir(path.join(quiet, 'product_id=BTC-USD/date=2026-08-09'))).length).toBe(1);
    const [ra, rb] = [await a.close(), await b.close()];
    expect([ra.rows, rb.rows]).toEqual([6000, 40_000]);
    const groups = await db.query(
      `SELECT DISTINCT row_group_id, row_group_num_rows AS n FROM parquet_metadata(${sqlString(`${quiet}/**/*.parquet`)}) ORDER BY 1`,
    );
    expect(groups.map((g) => Number(g.n))).toEqual([6000]);
    const counts = await db.query(
      `SELECT count(*) AS n, min(count) AS lo, max(count) AS hi FROM read_parquet(${sqlString(`${busy}/**/*.parquet`)})`,
    );
    expect(counts).toEqual([{ n: 40_000n, lo: 0, hi: 39_999 }]);
  });

  it('leaves full row groups alone while the budget holds them', async () => {
    const dir = dirs.next();
    const writer = new ParquetWriter({ rowGroupSize: 500 });
    const session = writer.open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    await session.write(interleaved(1000));
    await session.close();
    const groups = await db.query(
      `SELECT DISTINCT file_name, row_group_id, row_group_num_rows AS n FROM parquet_metadata(${sqlString(`${dir}/**/*.parquet`)})`,
    );
    expect(groups.map((g) => Number(g.n))).toEqual(Array(8).fill(500));
  });

  it('counts bytes per row from the column buffers', () => {
    const perRow = craftedSchema.fields
      .filter((f) => f.name !== 'product_id' && f.name !== 'date')
      .map((f) => createColumnBuffer(f, 1).bytesPerRow)
      .reduce((a, b) => a + b, 0);
    expect(perRow).toBe(47);
  });
});

describe('encode worker failures', () => {
  it('reports a failed write on the worker as a failure of that operation', async () => {
    const dir = dirs.next();
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'read-only.parquet');
    writeFileSync(file, '');
    // A descriptor opened for reading: the worker's first write to it fails.
    const fd = openSync(file, 'r');
    try {
      const spec = {
        schema: parquetSchemaFor(craftedSchema),
        dictionary: craftedSchema.fields.map((f) => f.dictionary === true),
        compression: 'zstd' as const,
        compressionLevel: undefined,
        kvMetadata: [],
        createdBy: 'test',
      };
      const encoder = new WorkerPartFileEncoder(EncodePool.shared(), fd, spec);
      const columns = craftedSchema.fields.map((f) => createColumnBuffer(f, 10));
      const row = craftedRows(1)[0]!;
      for (const [i, f] of craftedSchema.fields.entries()) columns[i]!.set(0, row[f.name]);
      // The first write to it (the magic bytes, when the file opens) fails on the worker; the
      // failure surfaces on a later call, naming the operation.
      const error = await encoder
        .writeRowGroup(
          columns.map((c) => c.take(1, 1)),
          1,
        )
        .then(() => encoder.finish())
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ what: 'opening the file' });
      expect((error as Error).message).toMatch(/EBADF|bad file descriptor/i);
      await encoder.drop();
    } finally {
      closeSync(fd);
    }
  });
});
