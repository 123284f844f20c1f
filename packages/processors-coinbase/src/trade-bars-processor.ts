/**
 * Time bars (OHLCV + VWAP) per product from trades: the seeds' `VWAPProcessor`, made exact and
 * streaming. It is an aggregator: trades go in, bars come out (other rows are dropped), so it ends
 * a chain whose output is the bars dataset. Works on RawParser/TradesProcessor rows from fresh
 * segments and on `market_trades` rows read back from Parquet.
 */
import {
  ConfigError,
  col,
  defineSchema,
  EtlError,
  type Logger,
  type Processor,
  type QuarantineSink,
  type Row,
  type Schema,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { rowJson } from './level2-rows.js';
import { barState, OpenBar, restoreBar, type TradeBarsCheckpoint } from './trade-bars-state.js';

export type { TradeBarsCheckpoint } from './trade-bars-state.js';

/** Bar length: milliseconds, or `<n>ms|s|m|h|d` (`'1m'`, `'5m'`, `'1h'`). */
export type BarInterval = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

export interface TradeBarsOptions {
  readonly interval: BarInterval;
  /** Where trade rows that cannot be aggregated go (bad price, size, time or product). */
  readonly quarantine?: QuarantineSink;
  /** Name used for quarantined rows' `file` (rows carry no file name; default 'market_trades'). */
  readonly inputName?: string;
  readonly logger?: Logger;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const NS_PER_MS = 1_000_000n;
const TRADES_CHANNEL = 'market_trades';
const LOGGED_PROBLEMS = 10;

/** Milliseconds of an interval option; throws a ConfigError naming `interval`. */
export function barIntervalMs(interval: BarInterval): number {
  let ms: number;
  if (typeof interval === 'number') ms = interval;
  else if (typeof interval === 'string') {
    const unitAt = interval.search(/[a-z]+$/);
    const unit = unitAt > 0 ? UNIT_MS[interval.slice(unitAt)] : undefined;
    const n = unitAt > 0 ? Number(interval.slice(0, unitAt)) : Number.NaN;
    ms = unit === undefined ? Number.NaN : n * unit;
  } else ms = Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new ConfigError(
      'interval',
      `expected a positive whole number of milliseconds or '<n>ms|s|m|h|d' (e.g. '1m'), got ${JSON.stringify(interval)}`,
    );
  }
  return ms;
}

/** Schema of the bars: one row per product and bar in which something traded. */
export const tradeBarsSchema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.timestamp('bar_start', 'ns', { nullable: false, description: 'start of the bar (UTC), inclusive' }),
  col.double('open', { nullable: false, description: 'price of the earliest trade in the bar' }),
  col.double('high', { nullable: false }),
  col.double('low', { nullable: false }),
  col.double('close', { nullable: false, description: 'price of the latest trade in the bar' }),
  col.double('volume', { nullable: false, description: 'sum of sizes, base currency' }),
  col.double('vwap', { description: 'sum(price * size) / volume; null when volume is 0' }),
  col.int64('trades', { nullable: false }),
  col.double('buy_volume', {
    nullable: false,
    description: "taker buys: aggressor_side 'buy', else a maker side of SELL",
  }),
  col.double('sell_volume', {
    nullable: false,
    description: "taker sells: aggressor_side 'sell', else a maker side of BUY",
  }),
  col.date('date', { nullable: false, description: 'UTC date of bar_start (partition key)' }),
]);

/**
 * Taker direction of a trade: +1 buy, -1 sell, 0 unknown. `aggressor_side` (TradesProcessor with
 * inferAggressor) wins; otherwise Coinbase's `side`, which is the maker side on both the Advanced
 * Trade and the Exchange feeds, so the taker is its opposite.
 */
function takerDirection(row: Row): number {
  const a = row.aggressor_side;
  if (a === 'buy') return 1;
  if (a === 'sell') return -1;
  const side = row.side;
  if (side === 'SELL' || side === 'sell') return 1;
  if (side === 'BUY' || side === 'buy') return -1;
  return 0;
}

/**
 * `new TradeBarsProcessor({ interval: '1m' })`: bars per product, aligned to the UTC epoch
 * (a 1-minute bar starts on a whole minute), stamped at their start. A bar is emitted when a later
 * trade of its product passes its end, and open bars at `flush` (ordered by product). No bar is
 * emitted for an interval without trades. Trades must come in time order per product: a trade
 * earlier than its product's previous one is counted (`out_of_order`); it still counts in the open
 * bar when it falls inside it, and is dropped (`late_trades`) when its bar was already emitted.
 */
export class TradeBarsProcessor implements Processor<Row, Row> {
  readonly name: string;
  readonly intervalMs: number;
  private readonly intervalNs: bigint;
  private readonly quarantine: QuarantineSink | undefined;
  private readonly inputName: string;
  private readonly logger: Logger;
  private bars = new Map<string, OpenBar>();
  private readonly collector: StatsCollector;
  private rowIndex = 0;
  private logged = 0;
  private readonly c = { trades: 0, bars: 0, out_of_order: 0, late_trades: 0, other_rows: 0, bad_trades: 0 };

  constructor(options: TradeBarsOptions) {
    if (!options || typeof options !== 'object') throw new ConfigError('interval', 'is required');
    this.intervalMs = barIntervalMs(options.interval);
    this.intervalNs = BigInt(this.intervalMs) * NS_PER_MS;
    this.name = `trade-bars(${typeof options.interval === 'string' ? options.interval : `${this.intervalMs}ms`})`;
    this.collector = new StatsCollector(this.name);
    this.quarantine = options.quarantine;
    this.inputName = options.inputName ?? TRADES_CHANNEL;
    this.logger = options.logger ?? silentLogger;
  }

  /** Always the bars schema: whatever the input, bars come out. */
  outputSchema(): Schema {
    return tradeBarsSchema;
  }

  process(batch: readonly Row[]): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < batch.length; i++) this.onRow(batch[i]!, out);
    this.collector.recordsIn += batch.length;
    this.collector.recordsOut += out.length;
    this.c.bars += out.length;
    return out;
  }

  flush(): Row[] {
    const out: Row[] = [];
    const products = [...this.bars.keys()].sort();
    for (const p of products) {
      const bar = this.bars.get(p)!;
      if (bar.trades > 0) out.push(bar.toRow());
    }
    this.bars.clear();
    this.collector.recordsOut += out.length;
    this.c.bars += out.length;
    return out;
  }

  private onRow(row: Row, out: Row[]): void {
    this.rowIndex++;
    const channel = row.channel;
    // Rows read back from Parquet may have lost `channel` to a projection: a trade is then
    // recognised by its trade columns.
    const isTrade =
      channel === TRADES_CHANNEL ||
      ((channel === undefined || channel === null) && row.trade_id !== undefined);
    if (!isTrade) {
      this.c.other_rows++;
      return;
    }
    const productId = row.product_id;
    const price = row.price;
    const size = row.size;
    const time = row.time;
    if (
      typeof productId !== 'string' ||
      productId === '' ||
      typeof price !== 'number' ||
      !Number.isFinite(price) ||
      typeof size !== 'number' ||
      !(size >= 0 && size < Number.POSITIVE_INFINITY) ||
      typeof time !== 'bigint'
    ) {
      this.reject(row);
      return;
    }
    this.c.trades++;
    const start = time - (((time % this.intervalNs) + this.intervalNs) % this.intervalNs);
    let bar = this.bars.get(productId);
    if (bar === undefined) {
      bar = new OpenBar(productId, start);
      bar.begin(start, price, time);
      bar.lastTime = time;
      this.bars.set(productId, bar);
    } else {
      if (time < bar.lastTime) this.c.out_of_order++;
      else bar.lastTime = time;
      if (start > bar.start) {
        if (bar.trades > 0) out.push(bar.toRow());
        bar.begin(start, price, time);
      } else if (start < bar.start) {
        this.c.late_trades++;
        this.note(
          `trade ${String(row.trade_id)} of ${productId} is earlier than its already emitted bar; dropped`,
        );
        return;
      }
    }
    bar.add(price, size, time, takerDirection(row));
  }

  private reject(row: Row): void {
    this.c.bad_trades++;
    this.collector.errors++;
    const reason = `trade row without a usable product_id, price, size or time: ${rowJson(row).slice(0, 300)}`;
    this.note(`${this.inputName}:${this.rowIndex}: ${reason}`);
    this.quarantine?.put({
      file: this.inputName,
      line: this.rowIndex,
      reason,
      raw: rowJson(row),
      stage: 'trade-bars',
    });
  }

  private note(message: string): void {
    if (this.logged >= LOGGED_PROBLEMS) return;
    this.logged++;
    this.logger.warn(message);
  }

  /** The open bars, to continue them in the next input (e.g. the next segment). */
  checkpoint(): TradeBarsCheckpoint {
    const bars = [...this.bars.values()].map(barState);
    return { version: 1, intervalNs: this.intervalNs.toString(), bars };
  }

  /** Replaces the open bars with a {@link checkpoint}'s; throws `E_CHECKPOINT` on a malformed or foreign one. */
  restore(state: unknown): void {
    const cp = state as Partial<TradeBarsCheckpoint> | null;
    const invalid = (why: string) => new EtlError(`trade-bars: invalid checkpoint: ${why}`, 'E_CHECKPOINT');
    if (!cp || typeof cp !== 'object' || cp.version !== 1 || !Array.isArray(cp.bars)) {
      throw invalid('expected { version: 1, intervalNs, bars: [...] }');
    }
    if (cp.intervalNs !== this.intervalNs.toString()) {
      throw invalid(
        `it was taken with an interval of ${String(cp.intervalNs)} ns, this processor has ${this.intervalNs}`,
      );
    }
    const bars = new Map<string, OpenBar>();
    for (const s of cp.bars) {
      const b = restoreBar(s);
      if (!b) throw invalid(`bad bar ${JSON.stringify(s).slice(0, 200)}`);
      bars.set(b.productId, b);
    }
    this.bars = bars;
  }

  stats(): Stats {
    const s = this.collector.snapshot();
    return { ...s, counters: { ...s.counters, ...this.c } };
  }
}
