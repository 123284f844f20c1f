/**
 * ticker rows (channels `ticker` and `ticker_batch`): quote and 24-hour range columns derived from
 * the ticker's own fields. Rows of other channels pass through unchanged and in order.
 */
import {
  col,
  type Field,
  getField,
  type Processor,
  type Row,
  type Schema,
  type Stats,
  StatsCollector,
} from '@etl/core';
import { insertFieldsAfter } from './schema-columns.js';

export interface TickerProcessorOptions {
  /** Add `mid_price, spread, spread_bps, range_24h, range_24h_pct` (default true). */
  readonly addDerivedFields?: boolean;
}

const DERIVED_FIELDS: readonly Field[] = [
  col.double('mid_price', { description: '(best_bid + best_ask) / 2' }),
  col.double('spread', { description: 'best_ask - best_bid' }),
  col.double('spread_bps', { description: 'spread / mid_price * 1e4' }),
  col.double('range_24h', { description: 'high_24h - low_24h' }),
  col.double('range_24h_pct', { description: 'range_24h / low_24h * 100' }),
];

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** Adds the derived columns in place (no copy per row); null when an input is null or a denominator is 0. */
export class TickerProcessor implements Processor<Row, Row> {
  readonly name = 'TickerProcessor';
  private readonly addDerivedFields: boolean;
  private readonly counts = new StatsCollector('TickerProcessor');
  private tickers = 0;

  constructor(options: TickerProcessorOptions = {}) {
    this.addDerivedFields = options.addDerivedFields ?? true;
  }

  outputSchema(input?: Schema): Schema | undefined {
    if (!input || !this.addDerivedFields || !getField(input, 'best_bid_quantity')) return input;
    return insertFieldsAfter(input, 'best_ask_quantity', DERIVED_FIELDS);
  }

  process(batch: readonly Row[]): Row[] {
    const out: Row[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      out[i] = row;
      const channel = row.channel;
      if (channel !== 'ticker' && channel !== 'ticker_batch') continue;
      this.tickers++;
      if (this.addDerivedFields) addDerivedFields(row);
    }
    this.counts.recordsIn += batch.length;
    this.counts.recordsOut += batch.length;
    return out;
  }

  stats(): Stats {
    const snap = this.counts.snapshot();
    return { ...snap, counters: { tickers: this.tickers } };
  }
}

function addDerivedFields(row: Row): void {
  const bid = numberOrNull(row.best_bid);
  const ask = numberOrNull(row.best_ask);
  let mid: number | null = null;
  let spread: number | null = null;
  let spreadBps: number | null = null;
  if (bid !== null && ask !== null) {
    mid = (bid + ask) / 2;
    spread = ask - bid;
    spreadBps = mid !== 0 ? (spread / mid) * 1e4 : null;
  }
  const low = numberOrNull(row.low_24h);
  const high = numberOrNull(row.high_24h);
  let range: number | null = null;
  let rangePct: number | null = null;
  if (low !== null && high !== null) {
    range = high - low;
    rangePct = low !== 0 ? (range / low) * 100 : null;
  }
  row.mid_price = mid;
  row.spread = spread;
  row.spread_bps = spreadBps;
  row.range_24h = range;
  row.range_24h_pct = rangePct;
}
