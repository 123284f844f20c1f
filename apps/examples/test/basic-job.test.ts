import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BasicJobResult, run } from '../src/basic-job.js';
import { duckdb, parquet } from './duckdb.js';

describe('examples/basic-job', () => {
  let result: BasicJobResult;
  beforeAll(async () => {
    result = await run();
  });

  it('processes the sample segment into every dataset and deletes the input copy', () => {
    const { summary, outputDir } = result;
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.datasets).toMatchObject({
      level2: { rows: 47_930, files: 1 },
      market_trades: { rows: 147, files: 1 },
      ticker: { rows: 73, files: 1 },
      candles: { rows: 102, files: 1 },
    });
    expect(summary.quarantined_lines).toBe(0);
    const ready = path.join(path.dirname(outputDir), 'raw', 'ready', 'coinbase');
    expect(readdirSync(ready)).toEqual([]);
    expect(
      existsSync(path.join(outputDir, 'coinbase', 'level2', 'product_id=BTC-USD', 'date=2026-08-09')),
    ).toBe(true);
    expect(existsSync(path.join(outputDir, 'coinbase', 'ticker', 'date=2026-08-09', 'hour=21'))).toBe(true);
  });

  it('ends with the book the fixtures README states (65083.66 / 65083.67)', async () => {
    const db = await duckdb();
    const last = await db.one(
      `SELECT best_bid_price, best_ask_price, mid_price, book_valid
       FROM ${parquet(path.join(result.outputDir, 'coinbase', 'level2'))}
       ORDER BY sequence_num DESC LIMIT 1`,
    );
    expect(last).toEqual({
      best_bid_price: 65083.66,
      best_ask_price: 65083.67,
      mid_price: 65083.665,
      book_valid: true,
    });
  });
});
