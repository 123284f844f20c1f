/** One product's book inside the level2 processor, with its validity and the previous top for OFI. */
import type { Row } from '@etl/core';
import type { TopOfBook } from './book-features.js';
import type { BookSnapshotSource } from './book-snapshot-processor.js';
import type { BookCheckpoint } from './level2-checkpoint.js';
import { OrderBook } from './order-book.js';

const orNaN = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export class ProductBook implements BookSnapshotSource {
  readonly book = new OrderBook();
  /** The book can be trusted: a snapshot was applied and nothing was missed since. */
  valid = false;
  everValid = false;
  /** Best levels after the previous message of this product, while `hasTop`. */
  readonly top: TopOfBook = {
    bidPrice: Number.NaN,
    bidSize: Number.NaN,
    askPrice: Number.NaN,
    askSize: Number.NaN,
  };
  hasTop = false;

  constructor(readonly productId: string) {}

  /** Untrusted until the next snapshot; OFI restarts after it. */
  invalidate(): void {
    this.valid = false;
    this.hasTop = false;
  }

  rememberTop(top: Readonly<TopOfBook>): void {
    this.top.bidPrice = top.bidPrice;
    this.top.bidSize = top.bidSize;
    this.top.askPrice = top.askPrice;
    this.top.askSize = top.askSize;
    this.hasTop = true;
  }

  /** Stamps a row (a trade) with the current top of book; nulls while the book is not valid. */
  writeTopOfBook(row: Row): void {
    if (!this.valid) {
      row.best_bid_price = row.best_bid_size = row.best_ask_price = row.best_ask_size = null;
      return;
    }
    row.best_bid_price = orNull(this.book.bestPrice('bid'));
    row.best_bid_size = orNull(this.book.bestSize('bid'));
    row.best_ask_price = orNull(this.book.bestPrice('ask'));
    row.best_ask_size = orNull(this.book.bestSize('ask'));
  }

  checkpoint(): BookCheckpoint {
    const t = this.top;
    return {
      productId: this.productId,
      valid: this.valid,
      everValid: this.everValid,
      bids: this.valid ? this.book.levels('bid') : [],
      asks: this.valid ? this.book.levels('ask') : [],
      top:
        this.valid && this.hasTop
          ? [orNull(t.bidPrice), orNull(t.bidSize), orNull(t.askPrice), orNull(t.askSize)]
          : null,
    };
  }

  static fromCheckpoint(cp: BookCheckpoint): ProductBook {
    const p = new ProductBook(cp.productId);
    p.everValid = cp.everValid;
    if (cp.valid) {
      p.book.applySnapshot({ bids: cp.bids, asks: cp.asks });
      p.valid = true;
      if (cp.top) {
        p.top.bidPrice = orNaN(cp.top[0]);
        p.top.bidSize = orNaN(cp.top[1]);
        p.top.askPrice = orNaN(cp.top[2]);
        p.top.askSize = orNaN(cp.top[3]);
        p.hasTop = true;
      }
    }
    return p;
  }
}
