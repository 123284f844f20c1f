import { checkRow, EtlError, type Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { readFixtureRecords, SEGMENT } from './__fixtures__/fixture-records.js';
import { RawParser } from './raw-parser.js';
import { level2Schema, marketTradesSchema } from './schemas.js';
import { type TradesCheckpoint, TradesProcessor } from './trades-processor.js';

function trade(id: string, fields: Partial<Row> = {}): Row {
  return {
    product_id: 'BTC-USD',
    trade_id: id,
    price: 100,
    size: 0.5,
    side: 'SELL',
    time: BigInt(id),
    channel: 'market_trades',
    ...fields,
  };
}

const book = (bid: number | null, ask: number | null): Partial<Row> => ({
  best_bid_price: bid,
  best_bid_size: bid === null ? null : 1,
  best_ask_price: ask,
  best_ask_size: ask === null ? null : 2,
});

describe('TradesProcessor derived fields', () => {
  it('adds side_normalized and value and passes other rows through unchanged, in order', () => {
    const p = new TradesProcessor();
    const other = { channel: 'l2_data', price_level: 1 };
    const control = { channel: '_sequence', sequence_num: 3n };
    const out = p.process([
      other,
      trade('1', { side: 'BUY', price: 65083.66, size: 0.5 }),
      control,
      trade('2'),
    ]);
    expect(out[0]).toBe(other);
    expect(out[0]).toEqual({ channel: 'l2_data', price_level: 1 });
    expect(out[2]).toBe(control);
    expect(out[1]).toMatchObject({ side: 'BUY', side_normalized: 'buy', value: 65083.66 * 0.5 });
    expect(out[3]).toMatchObject({ side: 'SELL', side_normalized: 'sell', value: 50 });
    expect(out[1]).not.toHaveProperty('aggressor_side');
    expect(p.stats()).toMatchObject({ recordsIn: 4, recordsOut: 4, counters: { trades: 2, duplicates: 0 } });
  });

  it('adds nothing with addDerivedFields false', () => {
    const out = new TradesProcessor({ addDerivedFields: false }).process([trade('1')]);
    expect(Object.keys(out[0]!)).toEqual([
      'product_id',
      'trade_id',
      'price',
      'size',
      'side',
      'time',
      'channel',
    ]);
  });

  it('extends only the trades schema, next to side', () => {
    const p = new TradesProcessor({ inferAggressor: true });
    const schema = p.outputSchema(marketTradesSchema)!;
    const names = schema.fields.map((f) => f.name);
    expect(names.slice(0, 14)).toEqual([
      'product_id',
      'trade_id',
      'price',
      'size',
      'side',
      'side_normalized',
      'value',
      'best_bid_price',
      'best_bid_size',
      'best_ask_price',
      'best_ask_size',
      'aggressor_side',
      'aggressor_method',
      'time',
    ]);
    expect(schema.fields.find((f) => f.name === 'value')!.type).toBe('double');
    expect(schema.fields.find((f) => f.name === 'aggressor_side')!.type).toBe('string');
    expect(p.outputSchema(level2Schema)).toBe(level2Schema);
    expect(p.outputSchema(undefined)).toBeUndefined();
    expect(new TradesProcessor({ addDerivedFields: false }).outputSchema(marketTradesSchema)).toBe(
      marketTradesSchema,
    );
  });
});

describe('TradesProcessor dedup', () => {
  it('drops the trades a resubscribe snapshot repeats', () => {
    const p = new TradesProcessor();
    const first = p.process([trade('1'), trade('2'), trade('3'), trade('4')]);
    const again = p.process([
      trade('2'),
      trade('3'),
      trade('4'),
      trade('5'),
      trade('4', { product_id: 'ETH-USD' }),
    ]);
    expect(first.map((r) => r.trade_id)).toEqual(['1', '2', '3', '4']);
    expect(again.map((r) => [r.product_id, r.trade_id])).toEqual([
      ['BTC-USD', '5'],
      ['ETH-USD', '4'],
    ]);
    expect(p.stats().counters.duplicates).toBe(3);
    expect(p.stats()).toMatchObject({ recordsIn: 9, recordsOut: 6 });
  });

  it('remembers only dedupWindow ids per product', () => {
    const p = new TradesProcessor({ dedupWindow: 2 });
    p.process([trade('1'), trade('2'), trade('3')]);
    expect(p.process([trade('3'), trade('2'), trade('1')]).map((r) => r.trade_id)).toEqual(['1']);
    expect(new TradesProcessor({ dedup: false }).process([trade('1'), trade('1')])).toHaveLength(2);
    expect(() => new TradesProcessor({ dedupWindow: 0 })).toThrow(/dedupWindow/);
  });

  it('dedups across segments through checkpoint and restore', () => {
    const a = new TradesProcessor({ dedupWindow: 3 });
    a.process([trade('1'), trade('2'), trade('3'), trade('4'), trade('7', { product_id: 'ETH-USD' })]);
    const state = JSON.parse(JSON.stringify(a.checkpoint())) as TradesCheckpoint;
    expect(state.recent_trade_ids).toEqual([
      { product_id: 'BTC-USD', trade_ids: ['2', '3', '4'] },
      { product_id: 'ETH-USD', trade_ids: ['7'] },
    ]);
    const b = new TradesProcessor({ dedupWindow: 3 });
    b.restore(state);
    const out = b.process([
      trade('1'),
      trade('3'),
      trade('4'),
      trade('5'),
      trade('7', { product_id: 'ETH-USD' }),
    ]);
    expect(out.map((r) => r.trade_id)).toEqual(['1', '5']);
    expect(b.stats().counters.duplicates).toBe(3);
  });

  it('refuses a malformed checkpoint', () => {
    const p = new TradesProcessor();
    expect(() => p.restore(null)).toThrow(EtlError);
    expect(() => p.restore({ version: 2 })).toThrow(/version 1/);
    expect(() =>
      p.restore({ version: 1, recent_trade_ids: [{ product_id: 'x', trade_ids: [1] }], tick_state: [] }),
    ).toThrow(/not a string/);
  });

  it('drops the repeated trades of a real resubscribe (the snapshot sent twice)', async () => {
    const records = await readFixtureRecords('advanced-market_trades-BTC-USD.ndjson');
    const parser = new RawParser({ source: 'coinbase' });
    const p = new TradesProcessor();
    const firstPass = p.process(parser.process(records));
    const snapshotAgain = p.process(parser.process(records.slice(0, 1)));
    expect(firstPass).toHaveLength(147);
    expect(snapshotAgain).toHaveLength(0);
    expect(p.stats().counters).toMatchObject({ trades: 247, duplicates: 100 });
  });
});

describe('TradesProcessor aggressor inference', () => {
  it('applies the quote rule on both sides and inside the spread, then the tick rule', () => {
    const p = new TradesProcessor({ inferAggressor: true });
    const out = p.process([
      trade('1', { price: 100, ...book(null, null) }), // first trade, no book: unknown
      trade('2', { price: 101, ...book(99, 101) }), // at the ask: buy
      trade('3', { price: 99, ...book(99, 101) }), // at the bid: sell
      trade('4', { price: 100.5, ...book(99, 101) }), // above the mid: buy
      trade('5', { price: 99.5, ...book(99, 101) }), // below the mid: sell
      trade('6', { price: 100, ...book(99, 101) }), // at the mid, up-tick from 99.5: buy (tick)
      trade('7', { price: 100, ...book(99, 101) }), // at the mid, zero-tick: last move (buy)
      trade('8', { price: 98, ...book(null, null) }), // no book, down-tick: sell (tick)
      trade('9', { price: 102, ...book(99, 101) }), // through the ask: buy
      trade('10', { price: 97, ...book(99, null) }), // below the bid, no ask: sell
      trade('11', { price: 100, ...book(99, null) }), // above the bid, no ask: tick (up): buy
      trade('12', { price: 100, side: 'BUY' }), // not stamped: columns null, zero-tick: buy
    ]);
    expect(out.map((r) => [r.trade_id, r.aggressor_side, r.aggressor_method])).toEqual([
      ['1', null, null],
      ['2', 'buy', 'quote'],
      ['3', 'sell', 'quote'],
      ['4', 'buy', 'quote'],
      ['5', 'sell', 'quote'],
      ['6', 'buy', 'tick'],
      ['7', 'buy', 'tick'],
      ['8', 'sell', 'tick'],
      ['9', 'buy', 'quote'],
      ['10', 'sell', 'quote'],
      ['11', 'buy', 'tick'],
      ['12', 'buy', 'tick'],
    ]);
    expect(out[11]).toMatchObject({
      best_bid_price: null,
      best_bid_size: null,
      best_ask_price: null,
      best_ask_size: null,
    });
    // Exchange side SELL everywhere except trade 12 (BUY): 11 classified, 1 unknown.
    expect(p.stats().counters).toMatchObject({
      aggressor_agrees_taker: 5, // sell = SELL: trades 3, 5, 8, 10; buy = BUY: 12
      aggressor_agrees_maker: 6,
      aggressor_unknown: 1,
      aggressor_by_quote: 6,
      aggressor_by_tick: 5,
    });
  });

  it('carries the tick rule across a checkpoint', () => {
    const a = new TradesProcessor({ inferAggressor: true });
    a.process([trade('1', { price: 100 }), trade('2', { price: 101 })]);
    const b = new TradesProcessor({ inferAggressor: true });
    b.restore(JSON.parse(JSON.stringify(a.checkpoint())));
    const out = b.process([trade('3', { price: 101 }), trade('4', { price: 100.5 })]);
    expect(out.map((r) => r.aggressor_side)).toEqual(['buy', 'sell']);
  });

  it('on the real session: SELL trades print at or above the ask, so side is the maker side', async () => {
    const rows = new RawParser({ source: 'coinbase' }).process(await readFixtureRecords(SEGMENT));
    // Stamp each trade with the top of book just before it, from a trivial Map book.
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    let haveBook = false;
    let snapshotSeq: unknown = null;
    const best = (
      side: Map<number, number>,
      pick: (a: number, b: number) => number,
    ): [number, number] | null => {
      let price: number | null = null;
      for (const p of side.keys()) price = price === null ? p : pick(price, p);
      return price === null ? null : [price, side.get(price)!];
    };
    for (const r of rows) {
      if (r.channel === 'l2_data') {
        if (r.is_snapshot && r.sequence_num !== snapshotSeq) {
          bids.clear();
          asks.clear();
          snapshotSeq = r.sequence_num;
          haveBook = true;
        }
        const side = r.side_normalized === 'bid' ? bids : asks;
        if (r.new_quantity === 0) side.delete(r.price_level as number);
        else side.set(r.price_level as number, r.new_quantity as number);
      } else if (r.channel === 'market_trades') {
        const bid = haveBook ? best(bids, Math.max) : null;
        const ask = haveBook ? best(asks, Math.min) : null;
        Object.assign(r, {
          best_bid_price: bid?.[0] ?? null,
          best_bid_size: bid?.[1] ?? null,
          best_ask_price: ask?.[0] ?? null,
          best_ask_size: ask?.[1] ?? null,
        });
      }
    }
    const p = new TradesProcessor({ inferAggressor: true });
    const trades = p.process(rows).filter((r) => r.channel === 'market_trades');
    const schema = p.outputSchema(marketTradesSchema)!;
    for (const t of trades) expect(checkRow(schema, t)).toEqual([]);

    const stamped = trades.filter((t) => t.best_ask_price !== null);
    expect(stamped).toHaveLength(46);
    const sells = stamped.filter((t) => t.side === 'SELL');
    const buys = stamped.filter((t) => t.side === 'BUY');
    expect(sells.every((t) => (t.price as number) >= (t.best_ask_price as number))).toBe(true);
    expect(buys.every((t) => (t.price as number) <= (t.best_bid_price as number))).toBe(true);
    expect(stamped.every((t) => t.aggressor_method === 'quote')).toBe(true);
    expect(stamped.every((t) => t.aggressor_side === (t.side === 'SELL' ? 'buy' : 'sell'))).toBe(true);

    const c = p.stats().counters;
    expect(c.aggressor_agrees_maker! + c.aggressor_agrees_taker! + c.aggressor_unknown!).toBe(147);
    expect(
      c.aggressor_agrees_maker! / (c.aggressor_agrees_maker! + c.aggressor_agrees_taker!),
    ).toBeGreaterThan(0.9);
  });
});
