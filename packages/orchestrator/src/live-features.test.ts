import { checkRow, type Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { LiveFeatures, liveFeaturesSchema } from './live-features.js';

const S = 1_000_000_000n;
const T0 = 1786309548n * S;

function level2(seq: bigint, t: bigint, top: [number, number, number, number], extra: Row = {}): Row {
  return {
    channel: 'l2_data',
    product_id: 'BTC-USD',
    sequence_num: seq,
    server_timestamp: t,
    capture_timestamp: t + 5_000_000n,
    best_bid_price: top[0],
    best_bid_size: top[1],
    best_ask_price: top[2],
    best_ask_size: top[3],
    book_valid: true,
    ...extra,
  };
}

function trade(seq: bigint, t: bigint, size: number, side: 'buy' | 'sell' | null, price = 100): Row {
  return {
    channel: 'market_trades',
    product_id: 'BTC-USD',
    sequence_num: seq,
    server_timestamp: t,
    capture_timestamp: t + 1_000_000n,
    time: t,
    price,
    size,
    aggressor_side: side,
  };
}

describe('LiveFeatures', () => {
  it('emits one book feature per level2 message with its top of book and derived values', () => {
    const f = new LiveFeatures();
    const out = f.update([
      level2(1n, T0, [99, 2, 101, 1]),
      level2(1n, T0, [99, 2, 101, 1]),
      { channel: '_sequence', sequence_num: 2n },
      level2(3n, T0 + S, [100, 1, 101, 3]),
    ]);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      event: 'book',
      sequence_num: 1n,
      capture_timestamp: T0 + 5_000_000n,
      mid_price: 100,
      spread: 2,
      spread_bps: 200,
      microprice: (99 * 1 + 101 * 2) / 3,
      imbalance_l1: 1 / 3,
      ofi: null,
      book_valid: true,
      trade_count: 0,
    });
    // Cont's OFI: bid up (+1 new bid size), ask unchanged (−3 + 1).
    expect(out[1]).toMatchObject({ sequence_num: 3n, ofi: 1 - 3 + 1, mid_price: 100.5 });
    expect(out.every((r) => checkRow(liveFeaturesSchema, r).length === 0)).toBe(true);
  });

  it("takes the processor's own feature columns when present", () => {
    const f = new LiveFeatures();
    const [row] = f.update([level2(1n, T0, [99, 2, 101, 1], { microprice: 42, imbalance_l1: 0.5, ofi: -7 })]);
    expect(row).toMatchObject({ microprice: 42, imbalance_l1: 0.5, ofi: -7 });
  });

  it('keeps aggressor trade flow over a rolling window of exchange time', () => {
    const f = new LiveFeatures({ tradeFlowWindowMs: 10_000 });
    const a = f.update([trade(1n, T0, 2, 'buy'), trade(1n, T0, 0.5, 'sell')]);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      event: 'trade',
      trade_count: 2,
      buy_volume: 2,
      sell_volume: 0.5,
      trade_flow: 1.5,
      trade_flow_imbalance: 0.6,
    });
    const b = f.update([trade(2n, T0 + 5n * S, 1, null, 101)]);
    expect(b[0]).toMatchObject({
      trade_count: 3,
      buy_volume: 2,
      sell_volume: 0.5,
      last_trade_price: 101,
      last_trade_side: null,
    });
    // 12 s later the first two have left the 10 s window; a book message slides it too.
    const c = f.update([level2(3n, T0 + 12n * S, [99, 1, 101, 1])]);
    expect(c[0]).toMatchObject({
      event: 'book',
      trade_count: 1,
      buy_volume: 0,
      sell_volume: 0,
      trade_flow: 0,
      trade_flow_imbalance: null,
    });
    expect(f.stats().counters.trades_without_aggressor).toBe(1);
  });

  it('marks an invalid book and clears its derived values', () => {
    const f = new LiveFeatures();
    const [row] = f.update([
      {
        ...level2(1n, T0, [99, 1, 101, 1]),
        best_bid_price: null,
        best_bid_size: null,
        best_ask_price: null,
        best_ask_size: null,
        book_valid: false,
      },
    ]);
    expect(row).toMatchObject({ book_valid: false, mid_price: null, microprice: null, ofi: null });
  });

  it('continues from a checkpoint exactly', () => {
    const rows = [
      level2(1n, T0, [99, 2, 101, 1]),
      trade(2n, T0, 2, 'buy'),
      level2(3n, T0 + S, [100, 1, 101, 3]),
    ];
    const whole = new LiveFeatures();
    const expected = whole.update(rows);
    const first = new LiveFeatures();
    first.update(rows.slice(0, 2));
    const state = structuredClone(first.checkpoint());
    const second = new LiveFeatures();
    second.restore(state);
    expect(second.update(rows.slice(2))).toEqual(expected.slice(2));
  });
});
