/**
 * A full-depth limit order book for one product (see {@link BookSideLevels} for the structure).
 * Prices are plain doubles: decimal strings of up to 15 significant digits are exact, and equal
 * strings always give equal doubles, so a level is found by its price alone.
 */
import { BookSideLevels } from './book-side-levels.js';

export type BookSide = 'bid' | 'ask';

/** `[price, size]`; the order of `levels()` and of checkpoints. */
export type PriceLevel = [price: number, size: number];

/** Both sides, each best level first. */
export interface BookLevels {
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
}

/** One product's book. Not thread-safe; not for concurrent readers while updating. */
export class OrderBook {
  private readonly bids = new BookSideLevels(1);
  private readonly asks = new BookSideLevels(-1);

  private side(side: BookSide): BookSideLevels {
    return side === 'bid' ? this.bids : this.asks;
  }

  /** Empties both sides. */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /**
   * Replaces the whole book (the old levels are cleared first). Levels may come in any order; a
   * repeated price keeps its last size; size 0 entries are ignored.
   */
  applySnapshot(levels: BookLevels): void {
    this.beginSnapshot();
    try {
      for (const [price, size] of levels.bids) this.set('bid', price, size);
      for (const [price, size] of levels.asks) this.set('ask', price, size);
    } finally {
      this.endSnapshot();
    }
  }

  /**
   * Streaming form of {@link applySnapshot}: clears the book, then `set` calls only collect levels
   * until {@link endSnapshot} orders them in one go (a 46,000-level snapshot would otherwise pay
   * for thousands of shifting inserts).
   */
  beginSnapshot(): void {
    this.clear();
    this.bids.loading = true;
    this.asks.loading = true;
  }

  endSnapshot(): void {
    if (this.bids.loading) this.bids.finishLoad();
    if (this.asks.loading) this.asks.finishLoad();
  }

  /** True between {@link beginSnapshot} and {@link endSnapshot}. */
  isLoadingSnapshot(): boolean {
    return this.bids.loading;
  }

  /**
   * Sets the size at a price; size 0 deletes the level. Returns false when a delete hit a level
   * that is not in the book (a no-op, which real feeds send).
   */
  set(side: BookSide, price: number, size: number): boolean {
    // Comparisons also reject NaN, which would corrupt the sorted order.
    if (!(price > 0 && price < Number.POSITIVE_INFINITY) || !(size >= 0 && size < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`order book level needs a finite price > 0 and size >= 0, got ${price} / ${size}`);
    }
    return (side === 'bid' ? this.bids : this.asks).set(price, size);
  }

  /** Number of levels on a side. */
  depth(side: BookSide): number {
    return this.side(side).count;
  }

  /** Best price of a side, NaN when the side is empty (allocation-free). */
  bestPrice(side: BookSide): number {
    return side === 'bid' ? this.bids.bestKey() : -this.asks.bestKey();
  }

  /** Size at the best price of a side, NaN when the side is empty. */
  bestSize(side: BookSide): number {
    return this.side(side).bestSize();
  }

  /** Price of the i-th level from the top (0 = best), NaN beyond the book. */
  priceAt(side: BookSide, i: number): number {
    return side === 'bid' ? this.bids.keyAt(i) : -this.asks.keyAt(i);
  }

  /** Size of the i-th level from the top (0 = best), NaN beyond the book. */
  sizeAt(side: BookSide, i: number): number {
    return this.side(side).sizeAt(i);
  }

  bestBid(): { price: number; size: number } | undefined {
    return this.bids.count === 0 ? undefined : { price: this.bids.bestKey(), size: this.bids.bestSize() };
  }

  bestAsk(): { price: number; size: number } | undefined {
    return this.asks.count === 0 ? undefined : { price: -this.asks.bestKey(), size: this.asks.bestSize() };
  }

  /** The best `n` levels of a side, best first. */
  topN(side: BookSide, n: number): PriceLevel[] {
    const s = this.side(side);
    const m = Math.min(n, s.count);
    const out: PriceLevel[] = new Array(m);
    for (let i = 0; i < m; i++) out[i] = [s.keyAt(i) * s.sign, s.sizeAt(i)];
    return out;
  }

  /** Every level of a side, best first (checkpoints). */
  levels(side: BookSide): PriceLevel[] {
    const s = this.side(side);
    const out: PriceLevel[] = [];
    s.forEachFromTop((key, size) => {
      out.push([key * s.sign, size]);
    });
    return out;
  }

  /** Sum of the sizes of the best `n` levels (fewer when the side is shallower). */
  depthLevels(side: BookSide, n: number): number {
    return this.side(side).sumTop(n);
  }

  /**
   * Sum of the sizes of the levels within `bps` basis points of the mid, bounds included: bids at
   * or above mid·(1 − bps/10⁴), asks at or below mid·(1 + bps/10⁴). NaN when a side is empty.
   */
  depthWithinBps(side: BookSide, bps: number): number {
    if (this.bids.count === 0 || this.asks.count === 0) return Number.NaN;
    const mid = (this.bestPrice('bid') + this.bestPrice('ask')) / 2;
    return this.depthWithinBpsOfMid(side, bps, mid);
  }

  /** {@link depthWithinBps} with the mid already known (the processor computes it once). */
  depthWithinBpsOfMid(side: BookSide, bps: number, mid: number): number {
    // In key space both sides run ascending to the best, so "within" means key >= bound.
    if (side === 'bid') return this.bids.sumAtLeast(mid * (1 - bps / 10_000));
    return this.asks.sumAtLeast(-(mid * (1 + bps / 10_000)));
  }

  /** Best bid >= best ask. */
  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.bestKey() >= -this.asks.bestKey();
  }

  /**
   * Uncrosses the book by removing the levels of `staleSide` that cross the other side's best
   * price (bids at or above the best ask, or asks at or below the best bid). Returns how many
   * levels were removed.
   */
  removeCrossing(staleSide: BookSide): number {
    if (this.bids.count === 0 || this.asks.count === 0) return 0;
    if (staleSide === 'bid') return this.bids.removeFromTopWhileAtLeast(this.bestPrice('ask'));
    return this.asks.removeFromTopWhileAtLeast(-this.bestPrice('bid'));
  }
}
