import path from 'node:path';
import type { Row } from '@etl/core';
import { ParquetReader } from '@etl/readers-parquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReprocessResult, run } from '../src/reprocess-parquet.js';
import { duckdb, parquet } from './duckdb.js';

/** The book columns the segment pipeline writes with its default (compute_features) config. */
const FEATURES = [
  'best_bid_price',
  'best_bid_size',
  'best_ask_price',
  'best_ask_size',
  'mid_price',
  'spread',
  'spread_bps',
  'microprice',
  'imbalance_l1',
  'ofi',
  'bid_depth_10',
  'ask_depth_10',
  'bid_depth_10bps',
  'ask_depth_10bps',
  'book_valid',
];

async function readAll(dir: string, columns: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of new ParquetReader({ columns }).read(dir)) rows.push(...batch);
  return rows;
}

describe('examples/reprocess-parquet', () => {
  let r: ReprocessResult;
  beforeAll(async () => {
    r = await run();
  });

  it('reads the two segment files of the partition in time order', () => {
    expect(r.filesRead).toEqual([
      path.join('product_id=BTC-USD', 'date=2026-08-09', 'part-segment_20260809T21_00001-0000.parquet'),
      path.join('product_id=BTC-USD', 'date=2026-08-09', 'part-segment_20260809T21_00002-0000.parquet'),
    ]);
    expect(r.outOfOrderRows).toBe(0);
    expect(r.result.rows).toBe(47_930);
    expect(Object.keys(r.result.datasets)).toEqual(['level2_features']);
  });

  it('computes the same book features as the segment pipeline did, row for row, across the file boundary', async () => {
    const columns = ['product_id', 'sequence_num', 'price_level', 'new_quantity', ...FEATURES];
    const original = await readAll(r.level2Dir, columns);
    const again = await readAll(r.featuresDir, columns);
    expect(again).toHaveLength(original.length);
    let differences = 0;
    let firstDifference = '';
    for (let i = 0; i < original.length; i++) {
      for (const c of columns) {
        const a = original[i]![c];
        const b = again[i]![c];
        if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
        if (differences++ === 0) firstDifference = `row ${i} ${c}: ${String(a)} vs ${String(b)}`;
      }
    }
    expect(firstDifference).toBe('');
    expect(differences).toBe(0);
    // Rows of the second file were stamped with the book carried over from the first.
    const second = original.findIndex((row) => (row.sequence_num as bigint) > 500n);
    expect(again[second]).toMatchObject({ book_valid: true });
  });

  it('writes a dataset DuckDB reads with the same layout', async () => {
    const db = await duckdb();
    const s = await db.one(
      `SELECT count(*) AS n, count(DISTINCT product_id) AS products, CAST(min(date) AS VARCHAR) AS date,
              count(*) FILTER (WHERE NOT book_valid) AS invalid
       FROM ${parquet(r.featuresDir)}`,
    );
    expect(s).toEqual({ n: 47_930n, products: 1n, date: '2026-08-09', invalid: 0n });
  });
});
