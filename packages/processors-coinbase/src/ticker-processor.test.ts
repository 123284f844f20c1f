import { checkRow, ProcessorChain, type Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { readFixtureRecords, SEGMENT } from './__fixtures__/fixture-records.js';
import { RawParser } from './raw-parser.js';
import { candlesSchema, level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';
import { TickerProcessor } from './ticker-processor.js';
import { TradesProcessor } from './trades-processor.js';

const ticker = (fields: Partial<Row>): Row => ({
  channel: 'ticker',
  product_id: 'BTC-USD',
  best_bid: null,
  best_ask: null,
  low_24h: null,
  high_24h: null,
  ...fields,
});

describe('TickerProcessor', () => {
  it('derives mid, spread, spread_bps and the 24h range', () => {
    const [row] = new TickerProcessor().process([
      ticker({ best_bid: 100, best_ask: 101, low_24h: 90, high_24h: 99 }),
    ]);
    expect(row).toMatchObject({ mid_price: 100.5, spread: 1, range_24h: 9, range_24h_pct: 10 });
    expect(row!.spread_bps).toBeCloseTo((1 / 100.5) * 1e4, 12);
  });

  it('gives null when an input is null or a denominator is 0', () => {
    const out = new TickerProcessor().process([
      ticker({ best_bid: 100, best_ask: null, low_24h: null, high_24h: 5 }),
      ticker({ best_bid: 0, best_ask: 0, low_24h: 0, high_24h: 0 }),
      ticker({ channel: 'ticker_batch', best_bid: -1, best_ask: 1, low_24h: 2, high_24h: 3 }),
    ]);
    expect(out.map((r) => [r.mid_price, r.spread, r.spread_bps, r.range_24h, r.range_24h_pct])).toEqual([
      [null, null, null, null, null],
      [0, 0, null, 0, null],
      [0, 2, null, 1, 50],
    ]);
  });

  it('passes other rows through unchanged and adds nothing when disabled', () => {
    const trade = { channel: 'market_trades', price: 1 };
    const out = new TickerProcessor().process([trade]);
    expect(out[0]).toBe(trade);
    expect(out[0]).toEqual({ channel: 'market_trades', price: 1 });
    const plain = new TickerProcessor({ addDerivedFields: false });
    expect(plain.process([ticker({ best_bid: 1, best_ask: 2 })])[0]).not.toHaveProperty('mid_price');
    expect(plain.outputSchema(tickerSchema)).toBe(tickerSchema);
  });

  it('extends only the ticker schema, after the quote fields', () => {
    const p = new TickerProcessor();
    const names = p.outputSchema(tickerSchema)!.fields.map((f) => f.name);
    const at = names.indexOf('best_ask_quantity');
    expect(names.slice(at, at + 6)).toEqual([
      'best_ask_quantity',
      'mid_price',
      'spread',
      'spread_bps',
      'range_24h',
      'range_24h_pct',
    ]);
    expect(p.outputSchema(level2Schema)).toBe(level2Schema);
    expect(p.outputSchema(undefined)).toBeUndefined();
  });
});

describe('RawParser → TradesProcessor → TickerProcessor on the real segment', () => {
  it('carries every channel through in order and fits the extended schemas', async () => {
    const chain = new ProcessorChain<unknown, Row>([
      new RawParser({ source: 'coinbase' }),
      new TradesProcessor(),
      new TickerProcessor(),
    ]);
    const rows = chain.process(await readFixtureRecords(SEGMENT));
    expect(rows).toHaveLength(47_930 + 147 + 73 + 102 + 30);
    const tickerOut = new TickerProcessor().outputSchema(tickerSchema)!;
    const tradesOut = new TradesProcessor().outputSchema(marketTradesSchema)!;
    for (const r of rows) {
      const schema =
        r.channel === 'ticker'
          ? tickerOut
          : r.channel === 'market_trades'
            ? tradesOut
            : r.channel === 'candles'
              ? candlesSchema
              : r.channel === 'l2_data'
                ? level2Schema
                : undefined;
      if (schema) expect(checkRow(schema, r)).toEqual([]);
    }
    const tickers = rows.filter((r) => r.channel === 'ticker');
    expect(tickers[0]).toMatchObject({
      best_bid: 65083.66,
      best_ask: 65083.67,
      low_24h: 64675.22,
      high_24h: 65252.99,
    });
    expect(tickers[0]!.mid_price).toBe((65083.66 + 65083.67) / 2);
    expect(tickers[0]!.spread).toBeCloseTo(0.01, 9);
    expect(tickers[0]!.spread_bps).toBeCloseTo((0.01 / 65083.665) * 1e4, 6);
    expect(tickers[0]!.range_24h).toBeCloseTo(577.77, 9);
    expect(tickers.every((t) => typeof t.spread === 'number' && (t.spread as number) > 0)).toBe(true);
    const stats = chain.stats();
    expect(stats.stages!.map((s) => [s.name, s.recordsIn, s.recordsOut])).toEqual([
      ['RawParser', 546, rows.length],
      ['TradesProcessor', rows.length, rows.length],
      ['TickerProcessor', rows.length, rows.length],
    ]);
    expect(stats.stages![2]!.counters.tickers).toBe(73);
  });
});
