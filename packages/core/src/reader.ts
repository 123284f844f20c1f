import type { Stats } from './stats.js';

/** A row: column name → value, following the value conventions in `schema.ts`. */
export type Row = Record<string, unknown>;

/** A record as read from a text input, before any transformation. */
export interface SourceRecord<T = unknown> {
  /** The input it came from (a path or a URL). */
  readonly file: string;
  /** 1-based line (or record) number in that input. */
  readonly line: number;
  /** Size of the record in its input, in bytes. */
  readonly bytes: number;
  readonly value: T;
}

/**
 * Reads an input and yields batches of records. Readers only read: they decode the container
 * (lines, compression, Parquet pages) and never transform what they read.
 */
export interface Reader<T = unknown> {
  /**
   * Yields the input's records once each, in input order, in non-empty batches (of at most the
   * reader's batch size, when it has one). An empty input yields no batch. A missing or
   * unreadable input fails with an error naming it. Stopping early (`break`, `return()`) closes
   * what the read opened. Reading the same input again yields the same records.
   */
  read(input: string): AsyncIterable<T[]>;
  /**
   * Cumulative over every `read` of this reader: `recordsOut` counts the records yielded,
   * `recordsIn` those read (rejected ones too), `errors` the rejected ones, `bytesIn` the input
   * bytes as the reader counts them (e.g. decompressed NDJSON, whole Parquet files).
   */
  stats(): Stats;
}
