import type { Row } from './reader.js';
import type { Schema } from './schema.js';
import { type Stats, StatsCollector } from './stats.js';

/**
 * Transforms batches of rows. Processors do no I/O; they may keep state across batches (an order
 * book, an open bar) and emit what is left in `flush` at the end of input.
 */
export interface Processor<In = Row, Out = Row> {
  readonly name: string;
  /**
   * The schema of what `process` emits, given the schema of its input (undefined when unknown).
   * Returns undefined when it emits rows of several shapes (e.g. a parser of every channel), and
   * may return undefined for an unknown input when its output depends on it (one that adds
   * columns to whatever it is given).
   */
  outputSchema(input?: Schema): Schema | undefined;
  process(batch: readonly In[]): Out[];
  /** Emits rows held back for the end of input. Called once, after the last batch. */
  flush?(): Out[];
  /** State to carry to the next input (e.g. the book at the end of a segment), JSON-serialisable. */
  checkpoint?(): unknown;
  /** Restores what `checkpoint` returned. */
  restore?(state: unknown): void;
  stats(): Stats;
}

/**
 * Runs processors in sequence and is a processor itself. Its own `recordsIn` is the first stage's
 * and its `recordsOut` the last stage's; each stage's numbers are under `stages`.
 */
export class ProcessorChain<In = Row, Out = Row> implements Processor<In, Out> {
  readonly name: string;
  readonly processors: readonly Processor<unknown, unknown>[];
  private readonly own = new StatsCollector('chain');

  constructor(processors: readonly Processor<never, unknown>[], name?: string) {
    this.processors = processors as readonly Processor<unknown, unknown>[];
    this.name = name ?? `chain(${processors.map((p) => p.name).join(',')})`;
  }

  outputSchema(input?: Schema): Schema | undefined {
    let schema = input;
    for (const p of this.processors) schema = p.outputSchema(schema);
    return schema;
  }

  process(batch: readonly In[]): Out[] {
    this.own.recordsIn += batch.length;
    let rows: readonly unknown[] = batch;
    for (const p of this.processors) rows = p.process(rows);
    this.own.recordsOut += rows.length;
    return rows as Out[];
  }

  flush(): Out[] {
    // A stage's flushed rows still pass through every later stage, which then flushes in turn.
    let carried: unknown[] = [];
    for (const p of this.processors) {
      const passed = carried.length ? p.process(carried) : [];
      const flushed = p.flush ? p.flush() : [];
      carried = passed.concat(flushed);
    }
    this.own.recordsOut += carried.length;
    return carried as Out[];
  }

  checkpoint(): unknown {
    return this.processors.map((p) => (p.checkpoint ? p.checkpoint() : null));
  }

  restore(state: unknown): void {
    if (!Array.isArray(state) || state.length !== this.processors.length) return;
    this.processors.forEach((p, i) => {
      if (p.restore && state[i] !== null && state[i] !== undefined) p.restore(state[i]);
    });
  }

  stats(): Stats {
    const stages = this.processors.map((p) => p.stats());
    const snap = this.own.snapshot(stages);
    return { ...snap, name: this.name, errors: stages.reduce((n, s) => n + s.errors, 0) };
  }
}

/** A processor from a plain function, for small custom steps. */
export function mapProcessor<In = Row, Out = Row>(
  name: string,
  fn: (row: In) => Out | undefined,
  schema?: (input?: Schema) => Schema | undefined,
): Processor<In, Out> {
  const stats = new StatsCollector(name);
  return {
    name,
    outputSchema: schema ?? ((input) => input),
    process(batch) {
      stats.recordsIn += batch.length;
      const out: Out[] = [];
      for (const row of batch) {
        const r = fn(row);
        if (r !== undefined) out.push(r);
      }
      stats.recordsOut += out.length;
      return out;
    },
    stats: () => stats.snapshot(),
  };
}
