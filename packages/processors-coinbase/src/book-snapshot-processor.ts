/**
 * Wide top-of-book samples at fixed intervals (`book_snapshot_<depth>_<interval>`), fed by the
 * level2 processor's books. The row at boundary T describes the book after the last message with
 * server_timestamp < T, like tardis' `book_snapshot_N_Xs`: a message whose time reaches one or more
 * boundaries first makes the rows of those boundaries, then is applied.
 */
import {
  col,
  defineSchema,
  EtlError,
  type Field,
  type Row,
  type Schema,
  utcDateKey,
  utcHourKey,
} from '@etl/core';
import type { OrderBook } from './order-book.js';

export interface BookSnapshotOptions {
  /** Levels per side in each row. */
  readonly depth: number;
  /** Sampling interval in milliseconds; boundaries are multiples of it since the epoch. */
  readonly intervalMs: number;
}

/** What the sampler reads of a product's book. */
export interface BookSnapshotSource {
  readonly productId: string;
  readonly book: OrderBook;
  /** The book can be trusted now. */
  readonly valid: boolean;
  /** The book has been valid at least once (no rows before that). */
  readonly everValid: boolean;
}

const NS_PER_MS = 1_000_000n;

/** `1s`, `100ms`, `1m`, `1h`: the largest unit that divides the interval. */
export function formatInterval(intervalMs: number): string {
  if (intervalMs % 3_600_000 === 0) return `${intervalMs / 3_600_000}h`;
  if (intervalMs % 60_000 === 0) return `${intervalMs / 60_000}m`;
  if (intervalMs % 1000 === 0) return `${intervalMs / 1000}s`;
  return `${intervalMs}ms`;
}

/** Dataset (and row `channel`) name, e.g. `book_snapshot_10_1s`. */
export function bookSnapshotChannel(depth: number, intervalMs: number): string {
  return `book_snapshot_${depth}_${formatInterval(intervalMs)}`;
}

function checkOptions(depth: number, intervalMs: number): void {
  if (!Number.isInteger(depth) || depth <= 0) {
    throw new EtlError(`bookSnapshots.depth must be a positive integer, got ${String(depth)}`, 'E_CONFIG');
  }
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new EtlError(
      `bookSnapshots.intervalMs must be a positive integer, got ${String(intervalMs)}`,
      'E_CONFIG',
    );
  }
}

function levelColumnNames(depth: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < depth; i++)
    names.push(`bid_${i}_price`, `bid_${i}_size`, `ask_${i}_price`, `ask_${i}_size`);
  return names;
}

/** Schema of `book_snapshot_<depth>_<interval>` rows. */
export function bookSnapshotSchema(depth: number): Schema {
  checkOptions(depth, 1);
  const fields: Field[] = [
    col.timestamp('timestamp', 'ns', { nullable: false, description: 'the interval boundary (UTC)' }),
    col.string('product_id', { nullable: false, dictionary: true }),
  ];
  for (const name of levelColumnNames(depth)) fields.push(col.double(name));
  fields.push(
    col.bool('book_valid', { nullable: false }),
    col.string('channel', { nullable: false, dictionary: true }),
    col.date('date', { nullable: false, description: 'UTC date of timestamp (partition key)' }),
    col.string('hour', {
      nullable: false,
      dictionary: true,
      description: 'UTC hour of timestamp (partition key)',
    }),
  );
  return defineSchema(fields);
}

/** JSON form of the sampler's position (bigint as a decimal string). */
export interface BookSnapshotState {
  readonly intervalMs: number;
  readonly nextBoundary: string | null;
}

export class BookSnapshotSampler {
  readonly channel: string;
  private readonly names: string[];
  private readonly intervalNs: bigint;
  private nextBoundary: bigint | null = null;

  constructor(readonly options: BookSnapshotOptions) {
    checkOptions(options.depth, options.intervalMs);
    this.channel = bookSnapshotChannel(options.depth, options.intervalMs);
    this.names = levelColumnNames(options.depth);
    this.intervalNs = BigInt(options.intervalMs) * NS_PER_MS;
  }

  /**
   * Call with the server time of each new message BEFORE applying it: emits one row per product
   * (that has had a valid book, in the map's order) for every boundary T with previous time < T <= `time`.
   * Returns the number of rows pushed.
   */
  advance(time: bigint, sources: ReadonlyMap<string, BookSnapshotSource>, out: Row[]): number {
    let next = this.nextBoundary;
    if (next === null) {
      // Boundaries are multiples of the interval; floor toward −∞ for pre-1970 times too.
      const q = time / this.intervalNs - (time < 0n && time % this.intervalNs !== 0n ? 1n : 0n);
      this.nextBoundary = (q + 1n) * this.intervalNs;
      return 0;
    }
    let pushed = 0;
    while (next <= time) {
      for (const source of sources.values()) {
        if (!source.everValid) continue;
        out.push(this.row(next, source));
        pushed++;
      }
      next += this.intervalNs;
    }
    this.nextBoundary = next;
    return pushed;
  }

  private row(boundary: bigint, source: BookSnapshotSource): Row {
    const row: Row = { timestamp: boundary, product_id: source.productId };
    const names = this.names;
    const book = source.book;
    const valid = source.valid;
    const bids = valid ? book.depth('bid') : 0;
    const asks = valid ? book.depth('ask') : 0;
    for (let i = 0, j = 0; i < this.options.depth; i++) {
      row[names[j++]!] = i < bids ? book.priceAt('bid', i) : null;
      row[names[j++]!] = i < bids ? book.sizeAt('bid', i) : null;
      row[names[j++]!] = i < asks ? book.priceAt('ask', i) : null;
      row[names[j++]!] = i < asks ? book.sizeAt('ask', i) : null;
    }
    row.book_valid = valid;
    row.channel = this.channel;
    row.date = utcDateKey(boundary);
    row.hour = utcHourKey(boundary);
    return row;
  }

  checkpoint(): BookSnapshotState {
    return {
      intervalMs: this.options.intervalMs,
      nextBoundary: this.nextBoundary === null ? null : this.nextBoundary.toString(),
    };
  }

  /** Continues the boundary grid of a checkpoint; one taken with another interval starts afresh. */
  restore(state: BookSnapshotState | null | undefined): void {
    const next = state && state.intervalMs === this.options.intervalMs ? state.nextBoundary : null;
    if (next !== null && (typeof next !== 'string' || !/^-?\d+$/.test(next))) {
      throw new EtlError(`book snapshot state: bad nextBoundary ${JSON.stringify(next)}`, 'E_CHECKPOINT');
    }
    this.nextBoundary = next === null ? null : BigInt(next);
  }
}
