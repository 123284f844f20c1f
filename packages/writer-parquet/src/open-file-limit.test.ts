import { readdirSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Row } from '@etl/core';
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

/** Descriptors this process holds on files under `dir` (Linux: /proc/self/fd). */
function descriptorsUnder(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed between the listing and the read
    }
  }
  return n;
}

/** `products` products, `rounds` rows each, interleaved; product k's rows have count k*1000+r. */
function manyProducts(products: number, rounds: number): Row[][] {
  const batches: Row[][] = [];
  for (let r = 0; r < rounds; r++) {
    const batch: Row[] = [];
    for (let p = 0; p < products; p++) {
      const row = craftedRows(1, `P${p}-USD`, '2026-08-09', r)[0]!;
      batch.push({ ...row, count: p * 1000 + r });
    }
    batches.push(batch);
  }
  return batches;
}

describe.each([
  ['on the encode worker', true],
  ['on the calling thread', false],
])('open-file cap, %s', (_, useWorker) => {
  it('keeps at most maxOpenFiles descriptors however many partitions, finishing the files it evicts', async () => {
    const dir = dirs.next();
    // A budget of a few partitions' buffers: partitions are written early, again and again.
    const writer = new ParquetWriter({ useWorker, maxOpenFiles: 8, maxBufferedBytes: 64 * 1024 });
    const session = writer.open({
      path: dir,
      schema: craftedSchema,
      partitionCols: ['product_id', 'date'],
      inputId: 'seg',
    });
    let mostOpen = 0;
    for (const batch of manyProducts(300, 5)) {
      for (let i = 0; i < batch.length; i += 50) {
        await session.write(batch.slice(i, i + 50));
        mostOpen = Math.max(mostOpen, descriptorsUnder(dir));
      }
    }
    // Files are also opened while closing (every partition's last rows): sample meanwhile.
    const sampler = setInterval(() => {
      mostOpen = Math.max(mostOpen, descriptorsUnder(dir));
    }, 1);
    const result = await session.close().finally(() => clearInterval(sampler));
    expect(descriptorsUnder(dir)).toBe(0);
    expect(mostOpen).toBeGreaterThan(0);
    expect(mostOpen).toBeLessThanOrEqual(8);
    expect(result.rows).toBe(1500);
    // 300 partitions written round-robin past a cap of 8: every file is evicted, hence finished,
    // before its partition's next row group, which starts the partition's next part file.
    expect(result.files).toHaveLength(1500);
    expect((await readdir(`${dir}/product_id=P7-USD/date=2026-08-09`)).sort()).toEqual([
      'part-seg-0000.parquet',
      'part-seg-0001.parquet',
      'part-seg-0002.parquet',
      'part-seg-0003.parquet',
      'part-seg-0004.parquet',
    ]);
    const perFile = await db.query(
      `SELECT DISTINCT num_rows FROM parquet_file_metadata(${sqlString(`${dir}/**/*.parquet`)})`,
    );
    expect(perFile).toEqual([{ num_rows: 1n }]);
    const rows = await db.query(
      `SELECT product_id, list(count ORDER BY count)::VARCHAR AS counts
       FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning=true)
       WHERE product_id IN ('P0-USD', 'P299-USD') GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { product_id: 'P0-USD', counts: '[0, 1, 2, 3, 4]' },
      { product_id: 'P299-USD', counts: '[299000, 299001, 299002, 299003, 299004]' },
    ]);
    const total = await db.query(
      `SELECT count(*) AS n, count(DISTINCT product_id) AS p FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning=true)`,
    );
    expect(total).toEqual([{ n: 1500n, p: 300n }]);
  });
});
