import { beforeAll, describe, expect, it } from 'vitest';
import { type ProcessorChainResult, run } from '../src/processor-chain.js';
import { duckdb, parquet } from './duckdb.js';

describe('examples/processor-chain', () => {
  let r: ProcessorChainResult;
  beforeAll(async () => {
    r = await run();
  });

  it('emits only the trades, each with the book before it and the inferred aggressor', async () => {
    expect(r.result.rows).toBe(147);
    expect(r.stats.stages?.map((s) => s.name)).toEqual([
      'RawParser',
      'level2',
      'TradesProcessor',
      'only-trades',
    ]);
    const db = await duckdb();
    const types = await db.types(`SELECT * FROM ${parquet(r.dataset)}`);
    expect(types).toMatchObject({
      best_bid_price: 'DOUBLE',
      best_ask_price: 'DOUBLE',
      aggressor_side: 'VARCHAR',
      value: 'DOUBLE',
    });
    // The fixtures README: after the book snapshot, 46 trades print at the touch; every SELL at the
    // ask (a taker bought) and every BUY at the bid — Coinbase's side is the maker side.
    const s = await db.one(
      `SELECT count(*) FILTER (WHERE best_ask_price IS NOT NULL) AS with_book,
              count(*) FILTER (WHERE side = 'SELL' AND best_ask_price IS NOT NULL) AS sells,
              count(*) FILTER (WHERE side = 'SELL' AND price >= best_ask_price AND aggressor_side = 'buy') AS sells_lifting_ask,
              count(*) FILTER (WHERE side = 'BUY' AND price <= best_bid_price AND aggressor_side = 'sell') AS buys_hitting_bid
       FROM ${parquet(r.dataset)}`,
    );
    expect(s).toEqual({ with_book: 46n, sells: 35n, sells_lifting_ask: 35n, buys_hitting_bid: 11n });
  });
});
