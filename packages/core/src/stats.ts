/**
 * One stats shape for every component. Counts are cumulative over the component's life, and a
 * composite reports its parts under `stages` instead of adding them into its own numbers, so
 * nothing is counted twice.
 */
export interface Stats {
  readonly name: string;
  /** Records (lines, rows, messages) taken in. */
  readonly recordsIn: number;
  /** Records handed on. */
  readonly recordsOut: number;
  /** Records rejected (quarantined, invalid). */
  readonly errors: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Component-specific counts, e.g. `heartbeats`, `gaps`, `files`. */
  readonly counters: Readonly<Record<string, number>>;
  /** Parts of a composite, each with its own stats. */
  readonly stages?: readonly Stats[];
}

/** Mutable counters behind a component's `stats()`. */
export class StatsCollector {
  recordsIn = 0;
  recordsOut = 0;
  errors = 0;
  bytesIn = 0;
  bytesOut = 0;
  private readonly counters = new Map<string, number>();

  constructor(readonly name: string) {}

  count(key: string, n = 1): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + n);
  }

  counter(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  snapshot(stages?: readonly Stats[]): Stats {
    return {
      name: this.name,
      recordsIn: this.recordsIn,
      recordsOut: this.recordsOut,
      errors: this.errors,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      counters: Object.fromEntries(this.counters),
      ...(stages ? { stages } : {}),
    };
  }
}

export function emptyStats(name: string): Stats {
  return { name, recordsIn: 0, recordsOut: 0, errors: 0, bytesIn: 0, bytesOut: 0, counters: {} };
}

/**
 * Adds up stats of the same kind of component run on different inputs (e.g. one reader per
 * segment). Not for the stages of one chain: those are reported side by side.
 */
export function sumStats(name: string, all: readonly Stats[]): Stats {
  const counters: Record<string, number> = {};
  let recordsIn = 0;
  let recordsOut = 0;
  let errors = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (const s of all) {
    recordsIn += s.recordsIn;
    recordsOut += s.recordsOut;
    errors += s.errors;
    bytesIn += s.bytesIn;
    bytesOut += s.bytesOut;
    for (const [k, v] of Object.entries(s.counters)) counters[k] = (counters[k] ?? 0) + v;
  }
  return { name, recordsIn, recordsOut, errors, bytesIn, bytesOut, counters };
}
