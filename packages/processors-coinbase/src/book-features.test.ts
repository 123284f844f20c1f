import { describe, expect, it } from 'vitest';
import {
  BookColumns,
  depthBpsColumn,
  depthLevelsColumn,
  imbalanceL1,
  microprice,
  orderFlowImbalance,
  type TopOfBook,
} from './book-features.js';
import { OrderBook } from './order-book.js';

const top = (bidPrice: number, bidSize: number, askPrice: number, askSize: number): TopOfBook => ({
  bidPrice,
  bidSize,
  askPrice,
  askSize,
});

describe('feature formulas', () => {
  it('microprice weights each price by the opposite size', () => {
    // bid 100 × 3, ask 102 × 1: (100·1 + 102·3) / (3 + 1) = 406 / 4 = 101.5 (leans to the ask: buyers heavier)
    expect(microprice(100, 3, 102, 1)).toBe(101.5);
    expect(microprice(100, 1, 102, 1)).toBe(101);
  });

  it('imbalance_l1 = (bid − ask) / (bid + ask)', () => {
    expect(imbalanceL1(3, 1)).toBe(0.5); // (3 − 1) / 4
    expect(imbalanceL1(1, 4)).toBe(-0.6); // (1 − 4) / 5
  });

  it("Cont's OFI by hand", () => {
    // Unchanged prices: e = qb − qb' − qa + qa' = 5 − 3 − 2 + 4 = 4
    expect(orderFlowImbalance(top(100, 3, 101, 4), top(100, 5, 101, 2))).toBe(4);
    // Bid ticks up (Pb > Pb'): + qb only; ask unchanged: − qa + qa' → 2 − 1 + 4 = 5
    expect(orderFlowImbalance(top(100, 3, 101, 4), top(100.5, 2, 101, 1))).toBe(5);
    // Bid ticks down (Pb < Pb'): − qb' only; ask ticks down (Pa < Pa'): − qa only → −3 − 6 = −9
    expect(orderFlowImbalance(top(100, 3, 101, 4), top(99.5, 7, 100.5, 6))).toBe(-9);
    // Ask ticks up (Pa > Pa'): + qa' only; bid unchanged: qb − qb' → (1 − 3) + 4 = 2
    expect(orderFlowImbalance(top(100, 3, 101, 4), top(100, 1, 101.5, 8))).toBe(2);
    // A missing side makes it undefined rather than a silent 0.
    expect(Number.isNaN(orderFlowImbalance(top(100, 3, 101, 4), top(Number.NaN, Number.NaN, 101, 1)))).toBe(
      true,
    );
  });

  it('names depth columns after their parameter', () => {
    expect(depthLevelsColumn('bid', 10)).toBe('bid_depth_10');
    expect(depthBpsColumn('ask', 10)).toBe('ask_depth_10bps');
    expect(depthBpsColumn('bid', 2.5)).toBe('bid_depth_2_5bps');
  });
});

describe('BookColumns', () => {
  const book = new OrderBook();
  book.applySnapshot({
    bids: [
      [100, 3],
      [99.99, 2],
      [99.5, 10],
    ],
    asks: [
      [100.02, 1],
      [100.05, 4],
      [101, 6],
    ],
  });
  const cur = top(100, 3, 100.02, 1);

  it('computes every column from a crafted book and writes them in schema order', () => {
    const cols = new BookColumns({ derived: true, features: true, depthLevels: [1, 2], depthBps: [2.5, 10] });
    cols.setFromBook(book, cur, 4);
    const row: Record<string, unknown> = { product_id: 'X' };
    cols.stamp(row);
    expect(Object.keys(row)).toEqual(['product_id', ...cols.fields().map((f) => f.name)]);
    expect(row.best_bid_price).toBe(100);
    expect(row.best_ask_size).toBe(1);
    expect(row.mid_price).toBeCloseTo(100.01, 12); // (100 + 100.02) / 2
    expect(row.spread).toBeCloseTo(0.02, 12);
    expect(row.spread_bps).toBeCloseTo((0.02 / 100.01) * 1e4, 9); // ≈ 1.99980 bps
    expect(row.microprice).toBeCloseTo((100 * 1 + 100.02 * 3) / 4, 12); // 100.015
    expect(row.imbalance_l1).toBe(0.5); // (3 − 1) / 4
    expect(row.ofi).toBe(4);
    expect(row.bid_depth_1).toBe(3);
    expect(row.ask_depth_2).toBe(5); // 1 + 4
    // 2.5 bps of 100.01 = 0.0250025: bids >= 99.9849975 → 100, 99.99 → 5; asks <= 100.0350025 → 100.02 → 1
    expect(row.bid_depth_2_5bps).toBe(5);
    expect(row.ask_depth_2_5bps).toBe(1);
    // 10 bps = 0.10001: bids >= 99.90999 → 5; asks <= 100.11001 → 100.02, 100.05 → 5
    expect(row.bid_depth_10bps).toBe(5);
    expect(row.ask_depth_10bps).toBe(5);
    expect(row.book_valid).toBe(true);
  });

  it('writes nulls and book_valid false for an invalid book; only the base columns without features', () => {
    const cols = new BookColumns({ derived: false, features: false, depthLevels: [10], depthBps: [10] });
    expect(cols.fields().map((f) => f.name)).toEqual([
      'best_bid_price',
      'best_bid_size',
      'best_ask_price',
      'best_ask_size',
      'book_valid',
    ]);
    cols.setFromBook(book, cur, Number.NaN);
    cols.setInvalid();
    const row: Record<string, unknown> = {};
    cols.stamp(row);
    expect(row).toEqual({
      best_bid_price: null,
      best_bid_size: null,
      best_ask_price: null,
      best_ask_size: null,
      book_valid: false,
    });
  });

  it('rejects bad depth options', () => {
    const base = { derived: true, features: true };
    expect(() => new BookColumns({ ...base, depthLevels: [0], depthBps: [] })).toThrow(/depthLevels/);
    expect(() => new BookColumns({ ...base, depthLevels: [], depthBps: [-1] })).toThrow(/depthBps/);
    expect(() => new BookColumns({ ...base, depthLevels: [5, 5], depthBps: [] })).toThrow(/repeat/);
  });
});
