import { describe, expect, it } from 'vitest';
import { segmentFrames } from './__fixtures__/level2-session-rows.js';
import { OrderBook } from './order-book.js';

/** Deliberately simple reference: a Map per side, sorted on every query. */
class ReferenceBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  set(side: 'bid' | 'ask', price: number, size: number): void {
    const m = side === 'bid' ? this.bids : this.asks;
    if (size === 0) m.delete(price);
    else m.set(price, size);
  }
  levels(side: 'bid' | 'ask'): [number, number][] {
    const m = side === 'bid' ? this.bids : this.asks;
    return [...m.entries()].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
  }
}

describe('OrderBook on crafted levels', () => {
  it('keeps both sides sorted best first, updates sizes, deletes on 0 and ignores absent deletes', () => {
    const book = new OrderBook();
    book.set('bid', 100, 1);
    book.set('bid', 101, 2);
    book.set('bid', 99, 3);
    book.set('ask', 103, 4);
    book.set('ask', 102, 5);
    book.set('ask', 104, 6);
    expect(book.levels('bid')).toEqual([
      [101, 2],
      [100, 1],
      [99, 3],
    ]);
    expect(book.levels('ask')).toEqual([
      [102, 5],
      [103, 4],
      [104, 6],
    ]);
    expect(book.bestBid()).toEqual({ price: 101, size: 2 });
    expect(book.bestAsk()).toEqual({ price: 102, size: 5 });
    expect(book.set('bid', 101, 7)).toBe(true);
    expect(book.bestSize('bid')).toBe(7);
    expect(book.set('bid', 101, 0)).toBe(true);
    expect(book.bestPrice('bid')).toBe(100);
    expect(book.set('ask', 150, 0)).toBe(false); // absent: a no-op
    expect(book.depth('ask')).toBe(3);
    expect(book.topN('ask', 2)).toEqual([
      [102, 5],
      [103, 4],
    ]);
    expect(book.priceAt('ask', 2)).toBe(104);
    expect(Number.isNaN(book.priceAt('ask', 3))).toBe(true);
  });

  it('reports empty sides as NaN / undefined', () => {
    const book = new OrderBook();
    expect(book.bestBid()).toBeUndefined();
    expect(Number.isNaN(book.bestPrice('ask'))).toBe(true);
    expect(book.isCrossed()).toBe(false);
    expect(Number.isNaN(book.depthWithinBps('bid', 10))).toBe(true);
    expect(book.depthLevels('bid', 5)).toBe(0);
  });

  it('refuses NaN, negative and infinite levels', () => {
    const book = new OrderBook();
    expect(() => book.set('bid', Number.NaN, 1)).toThrow(RangeError);
    expect(() => book.set('bid', 100, -1)).toThrow(/finite price > 0 and size >= 0/);
    expect(() => book.set('ask', Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(book.depth('bid') + book.depth('ask')).toBe(0);
  });

  it('depthLevels sums the best n levels; depthWithinBps sums levels within bps of the mid', () => {
    const book = new OrderBook();
    book.applySnapshot({
      bids: [
        [100, 1],
        [99.95, 2],
        [99.9, 3],
        [99, 4],
      ],
      asks: [
        [100.1, 5],
        [100.15, 6],
        [101, 7],
      ],
    });
    expect(book.depthLevels('bid', 2)).toBe(3); // 1 + 2
    expect(book.depthLevels('ask', 10)).toBe(18); // 5 + 6 + 7: all there is
    // mid = (100 + 100.1) / 2 = 100.05; 10 bps → bids >= 100.05·0.999 = 99.94995 → 100, 99.95 → 1 + 2
    expect(book.depthWithinBps('bid', 10)).toBe(3);
    // asks <= 100.05·1.001 = 100.15005 → 100.1, 100.15 → 5 + 6
    expect(book.depthWithinBps('ask', 10)).toBe(11);
    // 20 bps: bids >= 99.8499 → 100, 99.95, 99.9 → 6
    expect(book.depthWithinBps('bid', 20)).toBe(6);
  });

  it('snapshots replace the book whatever the order, keep the last size of a repeated price and drop zeros', () => {
    const book = new OrderBook();
    book.set('bid', 50, 1);
    book.set('ask', 60, 1);
    book.applySnapshot({
      bids: [
        [98, 1],
        [100, 2],
        [99, 3],
        [100, 4],
        [97, 0],
      ],
      asks: [
        [103, 1],
        [101, 2],
      ],
    });
    expect(book.levels('bid')).toEqual([
      [100, 4],
      [99, 3],
      [98, 1],
    ]);
    expect(book.levels('ask')).toEqual([
      [101, 2],
      [103, 1],
    ]);
    // Book order (bids descending) and reverse order both load in one pass.
    book.applySnapshot({
      bids: [
        [10, 1],
        [9, 1],
        [8, 1],
      ],
      asks: [
        [13, 1],
        [12, 1],
        [11, 1],
      ],
    });
    expect(book.levels('bid').map((l) => l[0])).toEqual([10, 9, 8]);
    expect(book.levels('ask').map((l) => l[0])).toEqual([11, 12, 13]);
    book.applySnapshot({ bids: [], asks: [] });
    expect(book.depth('bid') + book.depth('ask')).toBe(0);
  });

  it('detects and removes crossing levels of the stale side', () => {
    const book = new OrderBook();
    book.applySnapshot({
      bids: [
        [100, 1],
        [99, 1],
      ],
      asks: [
        [101, 1],
        [102, 1],
      ],
    });
    expect(book.isCrossed()).toBe(false);
    book.set('ask', 99.5, 2); // the bid at 100 now crosses it
    expect(book.isCrossed()).toBe(true);
    expect(book.removeCrossing('bid')).toBe(1);
    expect(book.levels('bid')).toEqual([[99, 1]]);
    expect(book.isCrossed()).toBe(false);
    book.set('bid', 101.5, 1); // crosses asks 99.5 and 101
    expect(book.removeCrossing('ask')).toBe(2);
    expect(book.bestPrice('ask')).toBe(102);
  });

  it('matches a Map reference under 50,000 random updates clustered at the top', () => {
    const book = new OrderBook();
    const ref = new ReferenceBook();
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 50_000; i++) {
      const side = rand() < 0.5 ? 'bid' : 'ask';
      const distance = Math.floor(rand() ** 3 * 400); // mostly near the top
      const price = side === 'bid' ? (10_000 - distance) / 100 : (10_001 + distance) / 100;
      const size = rand() < 0.4 ? 0 : Math.round(rand() * 1e6) / 1e4;
      book.set(side, price, size);
      ref.set(side, price, size);
    }
    expect(book.levels('bid')).toEqual(ref.levels('bid'));
    expect(book.levels('ask')).toEqual(ref.levels('ask'));
  });
});

describe('OrderBook chunk structure against the Map reference', () => {
  it('survives chunk splits, emptied chunks, deep and out-of-range updates and snapshot reloads', () => {
    let seed = 99;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const book = new OrderBook();
    const ref = new ReferenceBook();
    const check = (): void => {
      for (const side of ['bid', 'ask'] as const) {
        const want = ref.levels(side);
        expect(book.levels(side)).toEqual(want);
        expect(book.depth(side)).toBe(want.length);
        for (const i of [0, 1, 7, 255, 256, 257, want.length - 1, want.length]) {
          expect(book.priceAt(side, i)).toBe(want[i]?.[0] ?? Number.NaN);
          expect(book.sizeAt(side, i)).toBe(want[i]?.[1] ?? Number.NaN);
        }
        for (const n of [1, 10, 300, 5000]) {
          expect(book.depthLevels(side, n)).toBeCloseTo(
            want.slice(0, n).reduce((a, l) => a + l[1], 0),
            9,
          );
        }
      }
    };
    // A 3,000-level snapshot in random order: about 12 chunks per side.
    const bids: [number, number][] = [];
    const asks: [number, number][] = [];
    for (let i = 1; i <= 3000; i++) {
      bids.push([5000 - i, i]);
      asks.push([5000 + i, i]);
    }
    bids.sort(() => rand() - 0.5);
    book.applySnapshot({ bids, asks });
    for (const [p, q] of bids) ref.set('bid', p, q);
    for (const [p, q] of asks) ref.set('ask', p, q);
    check();
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 20_000; i++) {
        const side = rand() < 0.5 ? 'bid' : 'ask';
        // Anywhere from beyond the best to beyond the worst level, half-ticks included.
        const d = Math.floor(rand() * 7000) / 2 - 200;
        const price = side === 'bid' ? 5000 - d : 5000 + d;
        const size = rand() < 0.45 ? 0 : 1 + Math.floor(rand() * 100);
        if (price <= 0) continue;
        expect(book.set(side, price, size)).toBe(
          size > 0 || ref[side === 'bid' ? 'bids' : 'asks'].has(price),
        );
        ref.set(side, price, size);
      }
      check();
      // Wipe a deep band of bids (empties whole chunks), then the top of the asks.
      for (const [p] of ref.levels('bid').slice(500, 1500)) {
        book.set('bid', p, 0);
        ref.set('bid', p, 0);
      }
      for (const [p] of ref.levels('ask').slice(0, 700)) {
        book.set('ask', p, 0);
        ref.set('ask', p, 0);
      }
      check();
    }
    // Reload from the reference's own levels, worst first, then keep updating.
    book.applySnapshot({ bids: ref.levels('bid').reverse(), asks: ref.levels('ask').reverse() });
    check();
    for (let i = 0; i < 5000; i++) {
      const price = 4000 + Math.floor(rand() * 2000);
      const side = price < 5000 ? 'bid' : 'ask';
      const size = rand() < 0.5 ? 0 : 7;
      book.set(side, price, size);
      ref.set(side, price, size);
    }
    check();
    // depthWithinBps against the reference.
    const mid = (ref.levels('bid')[0]![0] + ref.levels('ask')[0]![0]) / 2;
    for (const bps of [1, 50, 500]) {
      const lo = mid * (1 - bps / 10_000);
      const hi = mid * (1 + bps / 10_000);
      expect(book.depthWithinBps('bid', bps)).toBeCloseTo(
        ref.levels('bid').reduce((a, [p, q]) => (p >= lo ? a + q : a), 0),
        9,
      );
      expect(book.depthWithinBps('ask', bps)).toBeCloseTo(
        ref.levels('ask').reduce((a, [p, q]) => (p <= hi ? a + q : a), 0),
        9,
      );
    }
    // Crossing the whole ask side from the bid side empties every ask chunk.
    const askCount = book.depth('ask');
    book.set('bid', 1e6, 1);
    expect(book.removeCrossing('ask')).toBe(askCount);
    expect(book.depth('ask')).toBe(0);
    expect(book.bestPrice('bid')).toBe(1e6);
    book.set('ask', 2e6, 3);
    expect(book.levels('ask')).toEqual([[2e6, 3]]);
  });
});

describe('OrderBook on the real BTC-USD session', () => {
  it('rebuilds the full-depth book: 18,764 / 27,236 snapshot levels, final top 65083.66 / 65083.67, never crossed', () => {
    const book = new OrderBook();
    const ref = new ReferenceBook();
    let absent = 0;
    let crossed = 0;
    let frames = 0;
    for (const { frame } of segmentFrames()) {
      if (frame.channel !== 'l2_data') continue;
      for (const ev of frame.events as { type: string; updates: Record<string, string>[] }[]) {
        if (ev.type === 'snapshot') {
          const bids: [number, number][] = [];
          const asks: [number, number][] = [];
          for (const u of ev.updates)
            (u.side === 'bid' ? bids : asks).push([Number(u.price_level), Number(u.new_quantity)]);
          book.applySnapshot({ bids, asks });
          expect(book.depth('bid')).toBe(18_764);
          expect(book.depth('ask')).toBe(27_236);
          for (const [p, s] of bids) ref.set('bid', p, s);
          for (const [p, s] of asks) ref.set('ask', p, s);
        } else {
          for (const u of ev.updates) {
            const side = u.side === 'bid' ? 'bid' : 'ask';
            if (!book.set(side, Number(u.price_level), Number(u.new_quantity))) absent++;
            ref.set(side, Number(u.price_level), Number(u.new_quantity));
          }
        }
      }
      frames++;
      if (book.isCrossed()) crossed++;
    }
    expect(frames).toBe(400);
    expect(crossed).toBe(0);
    expect(absent).toBe(27);
    expect(book.bestBid()?.price).toBe(65083.66);
    expect(book.bestAsk()?.price).toBe(65083.67);
    expect(book.levels('bid')).toEqual(ref.levels('bid'));
    expect(book.levels('ask')).toEqual(ref.levels('ask'));
  });
});
