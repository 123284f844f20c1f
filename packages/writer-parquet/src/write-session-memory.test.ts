import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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
  it('writes the fullest partition early when all partitions together hold too much', async () => {
    const dir = dirs.next();
    // 47 bytes a row (partition columns excluded): the budget is one 1,000-row group in all.
    const writer = new ParquetWriter({ rowGroupSize: 1000, maxBufferedBytes: 47 * 1000 });
    const session = writer.open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    const rows = interleaved(2000);
    for (let i = 0; i < rows.length; i += 333) await session.write(rows.slice(i, i + 333));
    const result = await session.close();
    expect(result.rows).toBe(8000);
    const groups = await db.query(
      `SELECT file_name, row_group_id, any_value(row_group_num_rows) AS n
       FROM parquet_metadata(${sqlString(`${dir}/**/*.parquet`)}) GROUP BY ALL`,
    );
    // Never more than 1,000 rows were buffered in all, so no group reached 1,000 rows; without
    // the budget each partition would have written two full groups (8 in all).
    expect(Math.max(...groups.map((g) => Number(g.n)))).toBeLessThan(1000);
    expect(groups.length).toBeGreaterThanOrEqual(12);
    expect(writer.stats().counters.row_groups).toBe(groups.length);
    const counts = await db.query(
      `SELECT product_id, count(*) AS n, min(count) AS lo, max(count) AS hi
       FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning=true) GROUP BY ALL ORDER BY lo`,
    );
    expect(counts).toEqual([
      { product_id: 'BTC-USD', n: 2000n, lo: 0, hi: 1999 },
      { product_id: 'ETH-USD', n: 2000n, lo: 2000, hi: 3999 },
      { product_id: 'SOL-USD', n: 2000n, lo: 4000, hi: 5999 },
      { product_id: 'DOGE-USD', n: 2000n, lo: 6000, hi: 7999 },
    ]);
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
      await encoder.writeRowGroup(
        columns.map((c) => c.take(1)),
        1,
      );
      const error = await encoder.finish().catch((e: unknown) => e);
      expect(error).toMatchObject({ what: 'writing a row group' });
      expect((error as Error).message).toMatch(/EBADF|bad file descriptor/i);
      await encoder.drop();
    } finally {
      closeSync(fd);
    }
  });
});
