/**
 * market_trades rows: derived columns, removal of repeated trades, and (optionally) the aggressor
 * side inferred from the book. Rows of other channels pass through unchanged and in order.
 */
import {
  ConfigError,
  col,
  EtlError,
  type Field,
  getField,
  type Logger,
  type Processor,
  type Row,
  type Schema,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { AggressorClassifier, type AggressorSide, type TickStateCheckpoint } from './aggressor-classifier.js';
import { RecentTradeIds } from './recent-trade-ids.js';
import { insertFieldsAfter } from './schema-columns.js';

export interface TradesProcessorOptions {
  /** Add `side_normalized` and `value` (default true). */
  readonly addDerivedFields?: boolean;
  /**
   * Add `aggressor_side` and `aggressor_method` from the `best_*` columns a
   * `Level2Processor({ annotateTrades: true })` earlier in the chain stamps on each trade
   * (default false).
   */
  readonly inferAggressor?: boolean;
  /** Drop trades already seen, by (product_id, trade_id) (default true). */
  readonly dedup?: boolean;
  /** Recent trade ids remembered per product for dedup (default 10 000). */
  readonly dedupWindow?: number;
  readonly logger?: Logger;
}

/**
 * Coinbase repeats its last 100 trades after a (re)subscribe: 10 000 ids per product leave a
 * hundredfold margin while bounding memory and checkpoint size (with 100 000, a 1 GiB run held
 * ~99 000 trade-id strings, growing with the input up to 400 000 for four products).
 */
const DEFAULT_DEDUP_WINDOW = 10_000;

/** What {@link TradesProcessor.checkpoint} returns (JSON-serialisable). */
export interface TradesCheckpoint {
  readonly version: 1;
  /** Per product: recent trade ids, oldest first. */
  readonly recent_trade_ids: readonly {
    readonly product_id: string;
    readonly trade_ids: readonly string[];
  }[];
  /** Per product: tick-rule state of the aggressor inference. */
  readonly tick_state: readonly TickStateCheckpoint[];
}

const TRADES_CHANNEL = 'market_trades';

const DERIVED_FIELDS: readonly Field[] = [
  col.string('side_normalized', {
    dictionary: true,
    description: "'buy' or 'sell': side as sent, lowercased; the maker side on Advanced Trade",
  }),
  col.double('value', { description: 'price * size, in the quote currency' }),
];

const AGGRESSOR_FIELDS: readonly Field[] = [
  col.double('best_bid_price', { description: 'best bid just before the trade (Level2Processor)' }),
  col.double('best_bid_size'),
  col.double('best_ask_price', { description: 'best ask just before the trade (Level2Processor)' }),
  col.double('best_ask_size'),
  col.string('aggressor_side', { dictionary: true, description: "'buy' or 'sell' (taker side) or null" }),
  col.string('aggressor_method', { dictionary: true, description: "'quote' or 'tick' or null" }),
];

function normalizeSide(side: unknown): string | null {
  if (side === 'SELL') return 'sell';
  if (side === 'BUY') return 'buy';
  return typeof side === 'string' ? side.toLowerCase() : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function isSide(value: unknown): value is AggressorSide | null {
  return value === null || value === 'buy' || value === 'sell';
}

/**
 * Adds columns to market_trades rows in place (no copy per row) and drops repeats. Trades must
 * arrive in time order per product (RawParser emits them so) for the tick rule to be meaningful.
 */
export class TradesProcessor implements Processor<Row, Row> {
  readonly name = 'TradesProcessor';
  private readonly addDerivedFields: boolean;
  private readonly inferAggressor: boolean;
  private readonly dedup: boolean;
  private readonly dedupWindow: number;
  private readonly logger: Logger;
  private readonly recent = new Map<string, RecentTradeIds>();
  private readonly classifier = new AggressorClassifier();
  private readonly counts = new StatsCollector('TradesProcessor');
  private trades = 0;
  private duplicates = 0;
  private agreesTaker = 0;
  private agreesMaker = 0;
  private unknown = 0;
  private byQuote = 0;
  private byTick = 0;

  constructor(options: TradesProcessorOptions = {}) {
    this.addDerivedFields = options.addDerivedFields ?? true;
    this.inferAggressor = options.inferAggressor ?? false;
    this.dedup = options.dedup ?? true;
    this.dedupWindow = options.dedupWindow ?? DEFAULT_DEDUP_WINDOW;
    if (!Number.isSafeInteger(this.dedupWindow) || this.dedupWindow < 1) {
      throw new ConfigError('dedupWindow', `must be a positive integer, got ${String(options.dedupWindow)}`);
    }
    this.logger = options.logger ?? silentLogger;
  }

  outputSchema(input?: Schema): Schema | undefined {
    if (!input || !getField(input, 'trade_id')) return input;
    let schema = input;
    if (this.addDerivedFields) schema = insertFieldsAfter(schema, 'side', DERIVED_FIELDS);
    if (this.inferAggressor) {
      schema = insertFieldsAfter(schema, getField(schema, 'value') ? 'value' : 'side', AGGRESSOR_FIELDS);
    }
    return schema;
  }

  process(batch: readonly Row[]): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      if (row.channel !== TRADES_CHANNEL) {
        out.push(row);
        continue;
      }
      this.trades++;
      const productId = row.product_id;
      const tradeId = row.trade_id;
      if (this.dedup && typeof productId === 'string' && typeof tradeId === 'string') {
        let ids = this.recent.get(productId);
        if (ids === undefined) this.recent.set(productId, (ids = new RecentTradeIds(this.dedupWindow)));
        if (ids.checkAndAdd(tradeId)) {
          this.duplicates++;
          continue;
        }
      }
      const side = normalizeSide(row.side);
      if (this.addDerivedFields) {
        row.side_normalized = side;
        const price = row.price;
        const size = row.size;
        row.value = typeof price === 'number' && typeof size === 'number' ? price * size : null;
      }
      if (this.inferAggressor) this.classify(row, productId, side);
      out.push(row);
    }
    this.counts.recordsIn += batch.length;
    this.counts.recordsOut += out.length;
    return out;
  }

  private classify(row: Row, productId: unknown, side: string | null): void {
    const price = row.price;
    if (typeof productId !== 'string' || typeof price !== 'number') {
      row.aggressor_side = null;
      row.aggressor_method = null;
      this.unknown++;
      return;
    }
    const c = this.classifier;
    c.classify(productId, price, numberOrNull(row.best_bid_price), numberOrNull(row.best_ask_price));
    // The book columns are part of this processor's schema: make sure they exist (null) even
    // when no Level2Processor stamped them.
    if (row.best_bid_price === undefined) row.best_bid_price = null;
    if (row.best_bid_size === undefined) row.best_bid_size = null;
    if (row.best_ask_price === undefined) row.best_ask_price = null;
    if (row.best_ask_size === undefined) row.best_ask_size = null;
    row.aggressor_side = c.side;
    row.aggressor_method = c.method;
    if (c.side === null) this.unknown++;
    else {
      if (c.side === side) this.agreesTaker++;
      else this.agreesMaker++;
      if (c.method === 'quote') this.byQuote++;
      else this.byTick++;
    }
  }

  /** Recent trade ids per product and the tick-rule state, for the next segment. */
  checkpoint(): TradesCheckpoint {
    const recent: { product_id: string; trade_ids: string[] }[] = [];
    for (const [productId, ids] of this.recent)
      recent.push({ product_id: productId, trade_ids: ids.toArray() });
    return { version: 1, recent_trade_ids: recent, tick_state: this.classifier.checkpoint() };
  }

  /** Replaces the dedup memory and tick-rule state with a {@link checkpoint}; throws on a malformed one. */
  restore(state: unknown): void {
    const cp = state as Partial<TradesCheckpoint> | null;
    const invalid = (why: string) =>
      new EtlError(`TradesProcessor: invalid checkpoint: ${why}`, 'E_CHECKPOINT');
    if (!cp || typeof cp !== 'object' || cp.version !== 1) throw invalid('expected an object with version 1');
    if (!Array.isArray(cp.recent_trade_ids) || !Array.isArray(cp.tick_state)) {
      throw invalid('recent_trade_ids and tick_state must be arrays');
    }
    const recent = new Map<string, RecentTradeIds>();
    for (const entry of cp.recent_trade_ids) {
      if (!entry || typeof entry.product_id !== 'string' || !Array.isArray(entry.trade_ids)) {
        throw invalid('each recent_trade_ids entry needs product_id and trade_ids');
      }
      const ids = new RecentTradeIds(this.dedupWindow);
      for (const id of entry.trade_ids) {
        if (typeof id !== 'string') throw invalid(`trade id ${JSON.stringify(id)} is not a string`);
        ids.checkAndAdd(id);
      }
      recent.set(entry.product_id, ids);
    }
    for (const s of cp.tick_state) {
      if (
        !s ||
        typeof s.product_id !== 'string' ||
        typeof s.last_price !== 'number' ||
        !isSide(s.last_move)
      ) {
        throw invalid('each tick_state entry needs product_id, last_price and last_move');
      }
    }
    this.recent.clear();
    for (const [productId, ids] of recent) this.recent.set(productId, ids);
    this.classifier.restore(cp.tick_state);
    this.logger.debug('TradesProcessor: restored checkpoint', { products: recent.size });
  }

  stats(): Stats {
    const snap = this.counts.snapshot();
    const counters: Record<string, number> = { trades: this.trades, duplicates: this.duplicates };
    if (this.inferAggressor) {
      counters.aggressor_agrees_taker = this.agreesTaker;
      counters.aggressor_agrees_maker = this.agreesMaker;
      counters.aggressor_unknown = this.unknown;
      counters.aggressor_by_quote = this.byQuote;
      counters.aggressor_by_tick = this.byTick;
    }
    return { ...snap, counters };
  }
}
