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
  read(input: string): AsyncIterable<T[]>;
  /** Cumulative over every `read` of this reader. */
  stats(): Stats;
}
