/**
 * Book columns stamped on level2 rows: top of book, the seed's derived fields (mid, spread,
 * spread_bps) and microstructure features (microprice, L1 imbalance, Cont's OFI, depth).
 * Values are computed once per message and then written to each of its rows.
 */
import { col, EtlError, type Field, type Row } from '@etl/core';
import type { OrderBook } from './order-book.js';

/** Best levels of a book at one instant; NaN for an empty side. */
export interface TopOfBook {
  bidPrice: number;
  bidSize: number;
  askPrice: number;
  askSize: number;
}

/** Size-weighted mid: (bid·askSize + ask·bidSize) / (bidSize + askSize). */
export function microprice(bidPrice: number, bidSize: number, askPrice: number, askSize: number): number {
  return (bidPrice * askSize + askPrice * bidSize) / (bidSize + askSize);
}

/** (bidSize − askSize) / (bidSize + askSize), in [−1, 1]. */
export function imbalanceL1(bidSize: number, askSize: number): number {
  return (bidSize - askSize) / (bidSize + askSize);
}

/**
 * Order-flow imbalance of Cont, Kukanov & Stoikov (2014) between two consecutive tops of book:
 * e = 1{Pb≥Pb'}·qb − 1{Pb≤Pb'}·qb' − 1{Pa≤Pa'}·qa + 1{Pa≥Pa'}·qa', primes on the previous top.
 * NaN when either top misses a side.
 */
export function orderFlowImbalance(prev: TopOfBook, cur: TopOfBook): number {
  const { bidPrice: pb0, bidSize: qb0, askPrice: pa0, askSize: qa0 } = prev;
  const { bidPrice: pb, bidSize: qb, askPrice: pa, askSize: qa } = cur;
  let e = 0;
  if (pb >= pb0) e += qb;
  if (pb <= pb0) e -= qb0;
  if (pa <= pa0) e -= qa;
  if (pa >= pa0) e += qa0;
  // Comparisons with NaN are false, so a missing side would silently count as 0: refuse instead.
  return Number.isNaN(pb + qb + pa + qa + pb0 + qb0 + pa0 + qa0) ? Number.NaN : e;
}

/** `bid_depth_10` / `ask_depth_10`. */
export function depthLevelsColumn(side: 'bid' | 'ask', levels: number): string {
  return `${side}_depth_${levels}`;
}

/** `bid_depth_10bps`; a fractional 2.5 becomes `bid_depth_2_5bps`. */
export function depthBpsColumn(side: 'bid' | 'ask', bps: number): string {
  return `${side}_depth_${String(bps).replace('.', '_')}bps`;
}

export interface BookColumnOptions {
  /** mid_price, spread, spread_bps. */
  readonly derived: boolean;
  /** microprice, imbalance_l1, ofi and the depth columns. */
  readonly features: boolean;
  readonly depthLevels: readonly number[];
  readonly depthBps: readonly number[];
}

function checkDepthOptions(depthLevels: readonly number[], depthBps: readonly number[]): void {
  for (const n of depthLevels) {
    if (!Number.isInteger(n) || n <= 0) {
      throw new EtlError(`depthLevels entries must be positive integers, got ${String(n)}`, 'E_CONFIG');
    }
  }
  for (const x of depthBps) {
    if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x) || String(x).includes('e')) {
      throw new EtlError(`depthBps entries must be positive decimal numbers, got ${String(x)}`, 'E_CONFIG');
    }
  }
  if (new Set(depthLevels).size !== depthLevels.length || new Set(depthBps).size !== depthBps.length) {
    throw new EtlError('depthLevels and depthBps must not repeat a value', 'E_CONFIG');
  }
}

const nan2null = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * Holds the book column values of the current message and writes them to rows. Columns are
 * always written in the order of {@link fields}, so every row gets the same object shape.
 */
export class BookColumns {
  private readonly levelNames: string[] = [];
  private readonly bpsNames: string[] = [];
  private readonly depthValues: (number | null)[];
  bestBidPrice: number | null = null;
  bestBidSize: number | null = null;
  bestAskPrice: number | null = null;
  bestAskSize: number | null = null;
  midPrice: number | null = null;
  spread: number | null = null;
  spreadBps: number | null = null;
  microprice: number | null = null;
  imbalanceL1: number | null = null;
  ofi: number | null = null;
  bookValid = false;

  constructor(readonly options: BookColumnOptions) {
    checkDepthOptions(options.depthLevels, options.depthBps);
    if (options.features) {
      for (const n of options.depthLevels)
        this.levelNames.push(depthLevelsColumn('bid', n), depthLevelsColumn('ask', n));
      for (const x of options.depthBps)
        this.bpsNames.push(depthBpsColumn('bid', x), depthBpsColumn('ask', x));
    }
    this.depthValues = new Array(this.levelNames.length + this.bpsNames.length).fill(null);
    this.stampRow = compileStamp(this.fields().map((f) => f.name));
  }

  /** Schema fields of the columns, in the order rows receive them. */
  fields(): Field[] {
    const fields: Field[] = [
      col.double('best_bid_price'),
      col.double('best_bid_size'),
      col.double('best_ask_price'),
      col.double('best_ask_size'),
    ];
    if (this.options.derived) {
      fields.push(col.double('mid_price'), col.double('spread'), col.double('spread_bps'));
    }
    if (this.options.features) {
      fields.push(
        col.double('microprice', { description: 'size-weighted mid of the best levels' }),
        col.double('imbalance_l1', {
          description: '(bid size − ask size) / (bid size + ask size) at the best levels',
        }),
        col.double('ofi', {
          description: "Cont's order-flow imbalance against the previous message of the product",
        }),
      );
      for (const name of this.levelNames) fields.push(col.double(name));
      for (const name of this.bpsNames) fields.push(col.double(name));
    }
    fields.push(
      col.bool('book_valid', {
        nullable: false,
        description: 'false before the first snapshot and after a gap',
      }),
    );
    return fields;
  }

  /** Every book column null, book_valid false. */
  setInvalid(): void {
    this.bestBidPrice = this.bestBidSize = this.bestAskPrice = this.bestAskSize = null;
    this.midPrice = this.spread = this.spreadBps = null;
    this.microprice = this.imbalanceL1 = this.ofi = null;
    this.depthValues.fill(null);
    this.bookValid = false;
  }

  /** Values from a valid book whose best levels are `top`; `ofi` NaN when there is none. */
  setFromBook(book: OrderBook, top: Readonly<TopOfBook>, ofi: number): void {
    const { bidPrice: bp, bidSize: bq, askPrice: ap, askSize: aq } = top;
    this.bestBidPrice = nan2null(bp);
    this.bestBidSize = nan2null(bq);
    this.bestAskPrice = nan2null(ap);
    this.bestAskSize = nan2null(aq);
    const mid = (bp + ap) / 2;
    this.midPrice = nan2null(mid);
    this.spread = nan2null(ap - bp);
    this.spreadBps = nan2null(((ap - bp) / mid) * 10_000);
    this.bookValid = true;
    if (!this.options.features) return;
    this.microprice = nan2null(microprice(bp, bq, ap, aq));
    this.imbalanceL1 = nan2null(imbalanceL1(bq, aq));
    this.ofi = nan2null(ofi);
    const values = this.depthValues;
    let j = 0;
    for (const n of this.options.depthLevels) {
      values[j++] = book.depthLevels('bid', n);
      values[j++] = book.depthLevels('ask', n);
    }
    for (const x of this.options.depthBps) {
      values[j++] = nan2null(book.depthWithinBpsOfMid('bid', x, mid));
      values[j++] = nan2null(book.depthWithinBpsOfMid('ask', x, mid));
    }
  }

  /** Writes the current values to a row, in {@link fields} order. */
  stamp(row: Row): void {
    this.stampRow(row, this, this.depthValues);
  }

  /**
   * Rows get up to ~30 new columns. Stores through computed keys make V8 turn each row into a slow
   * dictionary object (its soft limit for keyed additions), so the writer is compiled once with
   * literal property names. Names are built from validated numbers only.
   */
  private readonly stampRow: StampFunction;
}

const FIELD_SOURCE: Readonly<Record<string, string>> = {
  best_bid_price: 'c.bestBidPrice',
  best_bid_size: 'c.bestBidSize',
  best_ask_price: 'c.bestAskPrice',
  best_ask_size: 'c.bestAskSize',
  mid_price: 'c.midPrice',
  spread: 'c.spread',
  spread_bps: 'c.spreadBps',
  microprice: 'c.microprice',
  imbalance_l1: 'c.imbalanceL1',
  ofi: 'c.ofi',
  book_valid: 'c.bookValid',
};

type StampFunction = (row: Row, c: BookColumns, depth: readonly (number | null)[]) => void;

function compileStamp(names: readonly string[]): StampFunction {
  const lines: string[] = [];
  let j = 0;
  for (const name of names) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new EtlError(`bad book column name ${name}`, 'E_CONFIG');
    lines.push(`row.${name} = ${FIELD_SOURCE[name] ?? `depth[${j++}]`};`);
  }
  return new Function('row', 'c', 'depth', lines.join('\n')) as StampFunction;
}
