import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CustomChannelConfigResult, run } from '../src/custom-channel-config.js';
import { duckdb, parquet } from './duckdb.js';

describe('examples/custom-channel-config', () => {
  let result: CustomChannelConfigResult;
  beforeAll(async () => {
    result = await run();
  });
  const dir = (name: string) => path.join(result.outputDir, 'coinbase', name);

  it('applies the seed-style processor options per channel', async () => {
    expect(result.summary.datasets.market_trades?.rows).toBe(147);
    const db = await duckdb();
    const trades = await db.types(`SELECT * FROM ${parquet(dir('market_trades'))}`);
    expect(trades).toMatchObject({ side_normalized: 'VARCHAR', value: 'DOUBLE' });
    expect(trades).not.toHaveProperty('aggressor_side'); // infer_aggressor: false
    const level2 = await db.types(`SELECT * FROM ${parquet(dir('level2'))}`);
    expect(level2).toMatchObject({
      microprice: 'DOUBLE',
      imbalance_l1: 'DOUBLE',
      ofi: 'DOUBLE',
      book_valid: 'BOOLEAN',
    });
  });

  it('partitions ticker by date and hour, level2 and trades by product and date', async () => {
    const db = await duckdb();
    const tickerParts = await db.rows(
      `SELECT DISTINCT CAST(date AS VARCHAR) AS date, hour FROM ${parquet(dir('ticker'))}`,
    );
    expect(tickerParts).toEqual([{ date: '2026-08-09', hour: 21n }]);
    const level2Parts = await db.rows(
      `SELECT DISTINCT product_id, CAST(date AS VARCHAR) AS date FROM ${parquet(dir('level2'))}`,
    );
    expect(level2Parts).toEqual([{ product_id: 'BTC-USD', date: '2026-08-09' }]);
  });
});
