/**
 * Processors for testing the conformance kit: good ones that keep the contract, and bad ones
 * that each break it in one realistic way (the bugs plugin authors actually write).
 */
import type { Processor } from '../../processor.js';
import type { Row } from '../../reader.js';
import { col, defineSchema, extendSchema, type Schema } from '../../schema.js';
import { type Stats, StatsCollector } from '../../stats.js';
import { parseTimestampNs } from '../../time.js';

const NS_PER_MINUTE = 60_000_000_000n;

/** Raw `market_trades` rows as Coinbase sends them: every value a string. */
export const RAW_TRADE_SCHEMA = defineSchema([
  col.string('product_id', { nullable: false }),
  col.string('trade_id', { nullable: false }),
  col.string('price', { nullable: false }),
  col.string('size', { nullable: false }),
  col.string('side'),
  col.string('time', { nullable: false }),
]);

export const TRADE_SCHEMA = defineSchema([
  col.string('product_id', { nullable: false }),
  col.string('trade_id', { nullable: false }),
  col.double('price', { nullable: false }),
  col.double('size', { nullable: false }),
  col.string('side'),
  col.timestamp('time', 'ns', { nullable: false }),
]);

export const BAR_SCHEMA = defineSchema([
  col.string('product_id', { nullable: false }),
  col.timestamp('window_start', 'ns', { nullable: false }),
  col.double('vwap', { nullable: false }),
  col.double('volume', { nullable: false }),
  col.int32('trades', { nullable: false }),
]);

/** Good: typed trade rows from raw ones; stateless, new row objects. */
export class TradeNormalizer implements Processor {
  readonly name: string = 'trade-normalizer';
  protected readonly collector = new StatsCollector('trade-normalizer');
  outputSchema(): Schema {
    return TRADE_SCHEMA;
  }
  process(batch: readonly Row[]): Row[] {
    this.collector.recordsIn += batch.length;
    const out: Row[] = [];
    for (const raw of batch) out.push(this.normalize(raw));
    this.collector.recordsOut += out.length;
    return out;
  }
  protected normalize(raw: Row): Row {
    return {
      product_id: raw.product_id,
      trade_id: raw.trade_id,
      price: Number(raw.price),
      size: Number(raw.size),
      side: raw.side ?? null,
      time: parseTimestampNs(raw.time as string),
    };
  }
  stats(): Stats {
    return this.collector.snapshot();
  }
}

/** Good: drops trades already seen (the trades snapshot after a resubscribe repeats them). */
export class TradeDedup implements Processor {
  readonly name: string = 'trade-dedup';
  protected readonly collector = new StatsCollector('trade-dedup');
  protected seen = new Set<string>();
  outputSchema(input?: Schema): Schema | undefined {
    return input;
  }
  process(batch: readonly Row[]): Row[] {
    this.collector.recordsIn += batch.length;
    const out: Row[] = [];
    for (const row of batch) {
      const key = `${row.product_id}/${row.trade_id}`;
      if (this.seen.has(key)) {
        this.collector.count('duplicates');
        continue;
      }
      this.seen.add(key);
      out.push(row);
    }
    this.collector.recordsOut += out.length;
    return out;
  }
  checkpoint(): unknown {
    return [...this.seen];
  }
  restore(state: unknown): void {
    this.seen = new Set(state as string[]);
  }
  stats(): Stats {
    return this.collector.snapshot();
  }
}

interface OpenBar {
  window: bigint;
  notional: number;
  volume: number;
  trades: number;
}

/**
 * Good: one-minute VWAP bars per product. A bar is emitted when a later minute starts for its
 * product and the open bars at flush; trades older than the open bar are counted as `late`.
 */
export class MinuteVwap implements Processor {
  readonly name: string = 'minute-vwap';
  protected readonly collector = new StatsCollector('minute-vwap');
  protected open = new Map<string, OpenBar>();
  outputSchema(): Schema | undefined {
    return BAR_SCHEMA;
  }
  process(batch: readonly Row[]): Row[] {
    this.collector.recordsIn += batch.length;
    const out: Row[] = [];
    for (const row of batch) {
      const product = row.product_id as string;
      const time = row.time as bigint;
      const window = time - (((time % NS_PER_MINUTE) + NS_PER_MINUTE) % NS_PER_MINUTE);
      let bar = this.open.get(product);
      if (bar && window < bar.window) {
        this.collector.count('late');
        continue;
      }
      if (bar && window > bar.window) {
        out.push(this.barRow(product, bar));
        bar = undefined;
      }
      if (!bar) {
        bar = { window, notional: 0, volume: 0, trades: 0 };
        this.open.set(product, bar);
      }
      bar.notional += (row.price as number) * (row.size as number);
      bar.volume += row.size as number;
      bar.trades++;
    }
    this.collector.recordsOut += out.length;
    return out;
  }
  flush(): Row[] {
    const out = [...this.open.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([p, bar]) => this.barRow(p, bar));
    this.open.clear();
    this.collector.recordsOut += out.length;
    return out;
  }
  checkpoint(): unknown {
    return [...this.open].map(([product, bar]) => ({ product, ...bar, window: String(bar.window) }));
  }
  restore(state: unknown): void {
    const bars = state as {
      product: string;
      window: string;
      notional: number;
      volume: number;
      trades: number;
    }[];
    this.open = new Map(bars.map((b) => [b.product, { ...b, window: BigInt(b.window) }]));
  }
  stats(): Stats {
    return this.collector.snapshot();
  }
  protected barRow(product: string, bar: OpenBar): Row {
    return {
      product_id: product,
      window_start: bar.window,
      vwap: bar.notional / bar.volume,
      volume: bar.volume,
      trades: bar.trades,
    };
  }
}

// ---- Bad processors: each breaks one rule. ----

/** Bad (name): forgot to name itself. */
export class UnnamedVwap extends MinuteVwap {
  override readonly name = '';
}

/** Bad (input not mutated): converts the strings in place and hands the input row on. */
export class MutatingNormalizer extends TradeNormalizer {
  override readonly name = 'mutating-normalizer';
  protected override normalize(raw: Row): Row {
    raw.price = Number(raw.price);
    raw.size = Number(raw.size);
    raw.time = parseTimestampNs(raw.time as string);
    raw.side ??= null;
    return raw;
  }
}

let processWideSequence = 0;

/** Bad (determinism): numbers rows from a counter shared by every instance in the process. */
export class SequencedVwap extends MinuteVwap {
  override readonly name = 'sequenced-vwap';
  override outputSchema(): Schema {
    return extendSchema(BAR_SCHEMA, [col.int32('seq', { nullable: false })]);
  }
  protected override barRow(product: string, bar: OpenBar): Row {
    return { ...super.barRow(product, bar), seq: ++processWideSequence };
  }
}

/** Bad (output schema): declares `trades` as int64 (bigint) but emits a number. */
export class WrongTypeVwap extends MinuteVwap {
  override readonly name = 'wrong-type-vwap';
  override outputSchema(): Schema {
    return extendSchema(BAR_SCHEMA, [col.int64('trades', { nullable: false })]);
  }
}

/** Bad (output schema): emits a `debug` column it never declared. */
export class UndeclaredColumnVwap extends MinuteVwap {
  override readonly name = 'undeclared-column-vwap';
  protected override barRow(product: string, bar: OpenBar): Row {
    return { ...super.barRow(product, bar), debug: `${bar.trades} trades` };
  }
}

/** Bad (output schema): does not say what it emits. */
export class SchemalessVwap extends MinuteVwap {
  override readonly name = 'schemaless-vwap';
  override outputSchema(): undefined {
    return undefined;
  }
}

/** Bad (stats): forgets to count the rows its flush emits. */
export class UncountedFlushVwap extends MinuteVwap {
  override readonly name = 'uncounted-flush-vwap';
  override flush(): Row[] {
    const out = super.flush();
    this.collector.recordsOut -= out.length;
    return out;
  }
}

/** Bad (empty batch): counts calls, so an empty batch changes its stats. */
export class CallCountingVwap extends MinuteVwap {
  override readonly name = 'call-counting-vwap';
  override process(batch: readonly Row[]): Row[] {
    this.collector.count('batches');
    return super.process(batch);
  }
}

/** Bad (flush): returns undefined instead of an empty array when nothing is open. */
export class UndefinedFlushVwap extends MinuteVwap {
  override readonly name = 'undefined-flush-vwap';
  override flush(): Row[] {
    return this.open.size === 0 ? (undefined as unknown as Row[]) : super.flush();
  }
}

/** Bad (batching independence): deduplicates within a batch only. */
export class PerBatchDedup extends TradeDedup {
  override readonly name = 'per-batch-dedup';
  override process(batch: readonly Row[]): Row[] {
    this.seen = new Set();
    return super.process(batch);
  }
}

/** Bad (checkpoint/restore): the checkpoint holds bigint, which JSON cannot carry. */
export class BigintCheckpointVwap extends MinuteVwap {
  override readonly name = 'bigint-checkpoint-vwap';
  override checkpoint(): unknown {
    return [...this.open].map(([product, bar]) => ({ product, ...bar }));
  }
}

/** Bad (checkpoint/restore): keeps its bars in a Map, which JSON turns into `{}`. */
export class MapCheckpointVwap extends MinuteVwap {
  override readonly name = 'map-checkpoint-vwap';
  override checkpoint(): unknown {
    return { open: this.open };
  }
  override restore(): void {
    this.open = new Map();
  }
}

/** Bad (checkpoint/restore): can checkpoint but not restore. */
export function checkpointOnlyVwap(): Processor {
  const inner = new MinuteVwap();
  return {
    name: 'checkpoint-only-vwap',
    outputSchema: () => inner.outputSchema(),
    process: (batch) => inner.process(batch),
    flush: () => inner.flush(),
    checkpoint: () => inner.checkpoint(),
    stats: () => inner.stats(),
  };
}
