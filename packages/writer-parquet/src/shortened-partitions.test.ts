import { readdir } from 'node:fs/promises';
import { HIVE_DEFAULT_PARTITION } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftedRows, craftedSchema, tempRoot } from './__fixtures__/crafted.js';
import { openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
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

describe('partition values a directory name cannot hold exactly', () => {
  it('stores a value shortened in its directory name in the files too', async () => {
    const dir = dirs.next();
    const long = `LONG-${'X'.repeat(400)}-USD`;
    for (const useWorker of [true, false]) {
      const session = new ParquetWriter({ useWorker }).open({
        path: `${dir}/${useWorker}`,
        schema: craftedSchema,
        partitionCols: ['product_id', 'date'],
        inputId: 'seg',
      });
      await session.write([...craftedRows(3, long), ...craftedRows(2, 'BTC-USD', '2026-08-09', 3)]);
      await session.close();
    }
    const glob = sqlString(`${dir}/*/**/*.parquet`);
    // DuckDB takes partition values from the path: the shortened name.
    const byPath = await db.query(
      `SELECT DISTINCT product_id FROM read_parquet(${glob}, hive_partitioning = true) ORDER BY 1`,
    );
    expect(byPath.map((r) => String(r.product_id).length < long.length)).toEqual([true, true]);
    // The files of the shortened partition hold the value as written; the others do not.
    const inFiles = await db.query(
      `SELECT product_id, count(*) AS n, min(count) AS lo FROM read_parquet(${glob}, hive_partitioning = false, union_by_name = true) GROUP BY 1 ORDER BY 2`,
    );
    expect(inFiles).toEqual([
      { product_id: null, n: 4n, lo: 3 },
      { product_id: long, n: 6n, lo: 0 },
    ]);
    const dirsNow = await readdir(`${dir}/true`);
    expect(dirsNow.some((d) => d.includes('~'))).toBe(true);
  });

  it('keeps a value spelled __HIVE_DEFAULT_PARTITION__ apart from null', async () => {
    const dir = dirs.next();
    const session = new ParquetWriter().open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    await session.write(craftedRows(2, HIVE_DEFAULT_PARTITION));
    await session.close();
    const rows = await db.query(
      `SELECT product_id, count(*) AS n FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning = true) GROUP BY 1`,
    );
    expect(rows).toEqual([{ product_id: HIVE_DEFAULT_PARTITION, n: 2n }]);
  });
});
