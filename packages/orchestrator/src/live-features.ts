/**
 * Real-time features from the processed row stream: after each level2 message, the product's top
 * of book, mid, spread, microprice, L1 imbalance, OFI and validity; after each trades message,
 * the same plus trade flow (aggressor buy and sell volume over a rolling window of exchange
 * time). One feature row per message and product, carrying the product's whole current state,
 * so a consumer needs only the latest row. Rows come after the processors: the book columns are
 * the Level2Processor's, the aggressor side the TradesProcessor's (`infer_aggressor`).
 */
import { col, defineSchema, type Row, type Schema, type Stats, StatsCollector } from '@etl/core';
import { imbalanceL1, microprice, orderFlowImbalance, type TopOfBook } from '@etl/processors-coinbase';

export interface LiveFeaturesOptions {
  /** Rolling window of the trade flow, in ms of exchange time (default 60 000). */
  readonly tradeFlowWindowMs?: number;
}

const LIVE_FEATURES_CHANNEL = 'features';

/** Schema of the feature rows (for consumers that store them). */
export const liveFeaturesSchema: Schema = defineSchema([
  col.string('product_id', { dictionary: true }),
  col.string('event', {
    nullable: false,
    dictionary: true,
    description: "'book' or 'trade': what the row follows",
  }),
  col.int64('sequence_num'),
  col.timestamp('server_timestamp', 'ns'),
  col.timestamp('capture_timestamp', 'ns', { description: 'when the collector received the frame' }),
  col.double('best_bid_price'),
  col.double('best_bid_size'),
  col.double('best_ask_price'),
  col.double('best_ask_size'),
  col.double('mid_price'),
  col.double('spread'),
  col.double('spread_bps'),
  col.double('microprice'),
  col.double('imbalance_l1'),
  col.double('ofi', { description: "Cont's OFI of the latest level2 message" }),
  col.bool('book_valid', { nullable: false }),
  col.int32('trade_count', { nullable: false, description: 'trades in the window' }),
  col.double('buy_volume', { nullable: false, description: 'aggressor-buy volume in the window' }),
  col.double('sell_volume', { nullable: false, description: 'aggressor-sell volume in the window' }),
  col.double('trade_flow', { nullable: false, description: 'buy_volume - sell_volume' }),
  col.double('trade_flow_imbalance', { description: '(buy - sell) / (buy + sell) in the window' }),
  col.double('last_trade_price'),
  col.double('last_trade_size'),
  col.string('last_trade_side', { description: "aggressor side of the last trade: 'buy', 'sell' or null" }),
  col.timestamp('last_trade_time', 'ns'),
  col.string('channel', { nullable: false }),
]);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const big = (v: unknown): bigint | null => (typeof v === 'bigint' ? v : null);
const nan2null = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Per-product state; trades of the window are parallel arrays (time, signed size) with a head. */
class ProductFeatures {
  bid: number | null = null;
  bidSize: number | null = null;
  ask: number | null = null;
  askSize: number | null = null;
  ofi: number | null = null;
  microprice: number | null = null;
  imbalance: number | null = null;
  valid = false;
  readonly prevTop: TopOfBook = {
    bidPrice: Number.NaN,
    bidSize: Number.NaN,
    askPrice: Number.NaN,
    askSize: Number.NaN,
  };
  times: bigint[] = [];
  signed: number[] = [];
  head = 0;
  buy = 0;
  sell = 0;
  lastPrice: number | null = null;
  lastSize: number | null = null;
  lastSide: string | null = null;
  lastTime: bigint | null = null;

  constructor(readonly productId: string) {}
}

export class LiveFeatures {
  private readonly windowNs: bigint;
  private readonly windowMs: number;
  private readonly products = new Map<string, ProductFeatures>();
  private readonly counts = new StatsCollector('live-features');
  /** The open message: its last row and kind, emitted when a row of another message comes. */
  private open: Row | null = null;
  private openKind: 'book' | 'trade' = 'book';

  constructor(options: LiveFeaturesOptions = {}) {
    this.windowMs = options.tradeFlowWindowMs ?? 60_000;
    if (!(this.windowMs > 0)) throw new RangeError('tradeFlowWindowMs must be positive');
    this.windowNs = BigInt(Math.round(this.windowMs * 1_000_000));
  }

  /** Feature rows for a batch of processed rows (one per level2 or trades message). */
  update(rows: readonly Row[]): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const channel = row.channel;
      if (channel === 'l2_data' || channel === 'level2') {
        if (row.book_valid === undefined) continue; // no book reconstruction: nothing to report
        this.continueOrOpen(row, 'book', out);
      } else if (channel === 'market_trades') {
        this.continueOrOpen(row, 'trade', out);
        this.addTrade(row);
      } else if (this.open !== null) {
        this.close(out);
      }
    }
    // Messages never span batches on the live path (one record is one frame).
    if (this.open !== null) this.close(out);
    this.counts.recordsIn += rows.length;
    this.counts.recordsOut += out.length;
    return out;
  }

  stats(): Stats {
    const s = this.counts.snapshot();
    return { ...s, counters: { ...s.counters, products: this.products.size } };
  }

  /** Per-product state, JSON-serialisable but for bigint (the checkpoint store keeps those). */
  checkpoint(): unknown {
    return [...this.products.values()].map((p) => ({
      productId: p.productId,
      book: [p.bid, p.bidSize, p.ask, p.askSize, p.ofi, p.microprice, p.imbalance, p.valid],
      prevTop: [p.prevTop.bidPrice, p.prevTop.bidSize, p.prevTop.askPrice, p.prevTop.askSize].map(nan2null),
      times: p.times.slice(p.head),
      signed: p.signed.slice(p.head),
      last: [p.lastPrice, p.lastSize, p.lastSide, p.lastTime],
    }));
  }

  restore(state: unknown): void {
    this.products.clear();
    if (!Array.isArray(state)) return;
    for (const s of state as Record<string, unknown>[]) {
      if (typeof s?.productId !== 'string') continue;
      const p = new ProductFeatures(s.productId);
      const book = Array.isArray(s.book) ? s.book : [];
      p.bid = num(book[0]);
      p.bidSize = num(book[1]);
      p.ask = num(book[2]);
      p.askSize = num(book[3]);
      p.ofi = num(book[4]);
      p.microprice = num(book[5]);
      p.imbalance = num(book[6]);
      p.valid = book[7] === true;
      const top = Array.isArray(s.prevTop) ? s.prevTop.map((v) => num(v) ?? Number.NaN) : [];
      p.prevTop.bidPrice = top[0] ?? Number.NaN;
      p.prevTop.bidSize = top[1] ?? Number.NaN;
      p.prevTop.askPrice = top[2] ?? Number.NaN;
      p.prevTop.askSize = top[3] ?? Number.NaN;
      const times = Array.isArray(s.times) ? s.times : [];
      const signed = Array.isArray(s.signed) ? s.signed : [];
      for (let i = 0; i < times.length && i < signed.length; i++) {
        const t = times[i];
        const v = num(signed[i]);
        if (typeof t !== 'bigint' || v === null) continue;
        p.times.push(t);
        p.signed.push(v);
        if (v > 0) p.buy += v;
        else p.sell -= v;
      }
      const last = Array.isArray(s.last) ? s.last : [];
      p.lastPrice = num(last[0]);
      p.lastSize = num(last[1]);
      p.lastSide = typeof last[2] === 'string' ? last[2] : null;
      p.lastTime = big(last[3]);
      this.products.set(p.productId, p);
    }
  }

  private continueOrOpen(row: Row, kind: 'book' | 'trade', out: Row[]): void {
    const open = this.open;
    if (
      open !== null &&
      (kind !== this.openKind ||
        row.product_id !== open.product_id ||
        row.sequence_num !== open.sequence_num ||
        row.server_timestamp !== open.server_timestamp)
    ) {
      this.close(out);
    }
    this.open = row;
    this.openKind = kind;
  }

  private product(id: unknown): ProductFeatures | undefined {
    if (typeof id !== 'string') return undefined;
    let p = this.products.get(id);
    if (!p) this.products.set(id, (p = new ProductFeatures(id)));
    return p;
  }

  /** Ends the open message: updates the book state (level2) and emits the feature row. */
  private close(out: Row[]): void {
    const row = this.open!;
    this.open = null;
    const p = this.product(row.product_id);
    if (!p) return;
    if (this.openKind === 'book') this.takeBook(p, row);
    // The window slides with exchange time, also when no trade comes.
    const now = big(row.server_timestamp);
    if (now !== null) this.evict(p, now);
    out.push(this.featureRow(p, row, this.openKind));
  }

  private takeBook(p: ProductFeatures, row: Row): void {
    p.valid = row.book_valid === true;
    p.bid = num(row.best_bid_price);
    p.bidSize = num(row.best_bid_size);
    p.ask = num(row.best_ask_price);
    p.askSize = num(row.best_ask_size);
    const top = p.prevTop;
    const haveTop = p.valid && p.bid !== null && p.bidSize !== null && p.ask !== null && p.askSize !== null;
    // Prefer the processor's own feature columns; compute them when it was not asked to.
    if (haveTop) {
      const cur: TopOfBook = { bidPrice: p.bid!, bidSize: p.bidSize!, askPrice: p.ask!, askSize: p.askSize! };
      p.microprice =
        row.microprice !== undefined
          ? num(row.microprice)
          : nan2null(microprice(cur.bidPrice, cur.bidSize, cur.askPrice, cur.askSize));
      p.imbalance =
        row.imbalance_l1 !== undefined
          ? num(row.imbalance_l1)
          : nan2null(imbalanceL1(cur.bidSize, cur.askSize));
      p.ofi = row.ofi !== undefined ? num(row.ofi) : nan2null(orderFlowImbalance(top, cur));
      top.bidPrice = cur.bidPrice;
      top.bidSize = cur.bidSize;
      top.askPrice = cur.askPrice;
      top.askSize = cur.askSize;
    } else {
      p.microprice = p.imbalance = p.ofi = null;
      top.bidPrice = top.bidSize = top.askPrice = top.askSize = Number.NaN;
    }
  }

  private addTrade(row: Row): void {
    const p = this.product(row.product_id);
    const size = num(row.size);
    const time = big(row.time);
    if (!p || size === null || time === null) return;
    const side = row.aggressor_side === 'buy' || row.aggressor_side === 'sell' ? row.aggressor_side : null;
    p.lastPrice = num(row.price);
    p.lastSize = size;
    p.lastSide = side;
    if (p.lastTime === null || time > p.lastTime) p.lastTime = time;
    if (side === null) this.counts.count('trades_without_aggressor');
    const signed = side === 'buy' ? size : side === 'sell' ? -size : 0;
    p.times.push(time);
    p.signed.push(signed);
    if (signed > 0) p.buy += signed;
    else p.sell -= signed;
    this.evict(p, p.lastTime);
  }

  private evict(p: ProductFeatures, now: bigint): void {
    const cutoff = now - this.windowNs;
    while (p.head < p.times.length && p.times[p.head]! <= cutoff) {
      const v = p.signed[p.head]!;
      if (v > 0) p.buy -= v;
      else p.sell += v;
      p.head++;
    }
    if (p.head === p.times.length) {
      // Empty window: reset the sums too, so rounding never accumulates.
      p.times.length = p.signed.length = p.head = 0;
      p.buy = p.sell = 0;
    } else if (p.head > 1024 && p.head * 2 > p.times.length) {
      p.times.splice(0, p.head);
      p.signed.splice(0, p.head);
      p.head = 0;
    }
  }

  private featureRow(p: ProductFeatures, row: Row, event: 'book' | 'trade'): Row {
    const bid = p.bid;
    const ask = p.ask;
    const mid = bid !== null && ask !== null ? (bid + ask) / 2 : null;
    const spread = bid !== null && ask !== null ? ask - bid : null;
    const buy = Math.max(0, p.buy);
    const sell = Math.max(0, p.sell);
    return {
      product_id: p.productId,
      event,
      sequence_num: big(row.sequence_num),
      server_timestamp: big(row.server_timestamp),
      capture_timestamp: big(row.capture_timestamp),
      best_bid_price: bid,
      best_bid_size: p.bidSize,
      best_ask_price: ask,
      best_ask_size: p.askSize,
      mid_price: mid,
      spread,
      spread_bps: mid !== null && spread !== null && mid !== 0 ? (spread / mid) * 10_000 : null,
      microprice: p.microprice,
      imbalance_l1: p.imbalance,
      ofi: p.ofi,
      book_valid: p.valid,
      trade_count: p.times.length - p.head,
      buy_volume: buy,
      sell_volume: sell,
      trade_flow: buy - sell,
      trade_flow_imbalance: buy + sell > 0 ? (buy - sell) / (buy + sell) : null,
      last_trade_price: p.lastPrice,
      last_trade_size: p.lastSize,
      last_trade_side: p.lastSide,
      last_trade_time: p.lastTime,
      channel: LIVE_FEATURES_CHANNEL,
    };
  }
}
