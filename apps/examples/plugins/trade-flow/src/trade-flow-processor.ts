/**
 * Trade flow per product in fixed time windows: buy and sell volume and counts, and the volume
 * imbalance (buy − sell) / (buy + sell). A trade's direction is the inferred aggressor when the
 * pipeline infers it, else the taker side implied by Coinbase's maker-side `side` field.
 */
import {
  col,
  defineSchema,
  type Processor,
  type Row,
  type Schema,
  StatsCollector,
  utcDateKey,
} from '@etl/core';

export interface TradeFlowOptions {
  /** Window length in milliseconds (default 1000). */
  readonly windowMs?: number;
}

interface Window {
  start: bigint;
  buyVolume: number;
  sellVolume: number;
  buys: number;
  sells: number;
}

export function tradeFlowSchema(): Schema {
  return defineSchema([
    col.string('product_id', { nullable: false, dictionary: true }),
    col.timestamp('window_start', 'ns', { nullable: false, description: 'start of the window (UTC)' }),
    col.double('buy_volume', { nullable: false }),
    col.double('sell_volume', { nullable: false }),
    col.int64('buy_trades', { nullable: false }),
    col.int64('sell_trades', { nullable: false }),
    col.double('imbalance', { description: '(buy − sell) / (buy + sell) volume; null when both are 0' }),
    col.date('date', { nullable: false }),
  ]);
}

/**
 * Direction of a trade: the aggressor if known, else the opposite of Coinbase's maker side
 * (`BUY`/`SELL` on Advanced Trade, `buy`/`sell` on the legacy Exchange feed).
 */
function direction(row: Row): 'buy' | 'sell' | undefined {
  const a = row.aggressor_side;
  if (a === 'buy' || a === 'sell') return a;
  const side = row.side;
  if (side === 'SELL' || side === 'sell') return 'buy';
  if (side === 'BUY' || side === 'buy') return 'sell';
  return undefined;
}

export class TradeFlowProcessor implements Processor<Row, Row> {
  readonly name = 'trade-flow';
  private readonly windowNs: bigint;
  private readonly open = new Map<string, Window>();
  private readonly stats_ = new StatsCollector('trade-flow');

  constructor(options: TradeFlowOptions = {}) {
    const ms = options.windowMs ?? 1000;
    if (!Number.isInteger(ms) || ms <= 0) throw new RangeError('windowMs must be a positive integer');
    this.windowNs = BigInt(ms) * 1_000_000n;
  }

  outputSchema(): Schema {
    return tradeFlowSchema();
  }

  process(batch: readonly Row[]): Row[] {
    this.stats_.recordsIn += batch.length;
    const out: Row[] = [];
    for (const row of batch) {
      const product = row.product_id;
      const time = row.time;
      const size = row.size;
      const dir = direction(row);
      if (typeof product !== 'string' || typeof time !== 'bigint' || typeof size !== 'number' || !dir) {
        this.stats_.count('skipped');
        continue;
      }
      const start = time - (((time % this.windowNs) + this.windowNs) % this.windowNs);
      let w = this.open.get(product);
      if (w && w.start !== start) {
        // Trades arrive in time order per product, so a new window closes the previous one.
        out.push(this.close(product, w));
        w = undefined;
      }
      if (!w) {
        w = { start, buyVolume: 0, sellVolume: 0, buys: 0, sells: 0 };
        this.open.set(product, w);
      }
      if (dir === 'buy') {
        w.buyVolume += size;
        w.buys++;
      } else {
        w.sellVolume += size;
        w.sells++;
      }
    }
    this.stats_.recordsOut += out.length;
    return out;
  }

  flush(): Row[] {
    const out = [...this.open]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([product, w]) => this.close(product, w));
    this.open.clear();
    this.stats_.recordsOut += out.length;
    return out;
  }

  stats() {
    return this.stats_.snapshot();
  }

  private close(product: string, w: Window): Row {
    const total = w.buyVolume + w.sellVolume;
    return {
      product_id: product,
      window_start: w.start,
      buy_volume: w.buyVolume,
      sell_volume: w.sellVolume,
      buy_trades: BigInt(w.buys),
      sell_trades: BigInt(w.sells),
      imbalance: total > 0 ? (w.buyVolume - w.sellVolume) / total : null,
      date: utcDateKey(w.start),
    };
  }
}
