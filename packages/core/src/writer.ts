import type { Row } from './reader.js';
import type { Schema } from './schema.js';
import type { Stats } from './stats.js';

/** Where and how one stream of rows is written. */
export interface WriteTarget {
  /** Dataset directory (e.g. `out/coinbase/level2`) or file path for unpartitioned single files. */
  readonly path: string;
  readonly schema: Schema;
  /** Hive partition columns, outermost first. Values come from the rows. */
  readonly partitionCols?: readonly string[];
  /**
   * Stable id of the input (e.g. the segment name). File names derive from it, so writing the
   * same input again replaces its files instead of adding new ones.
   */
  readonly inputId?: string;
  /** Extra key-value metadata stored in every file. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * `true` leaves finished files under their temporary names for the caller to publish (see
   * {@link WrittenFile.tempPath}); by default `close()` renames each into place. Temporary names
   * start with `.` or `_`, which dataset readers skip, so an unpublished file is never visible.
   */
  readonly deferPublish?: boolean;
}

export interface WrittenFile {
  /** Final path of the file. */
  readonly path: string;
  /** Set when publishing was deferred: where the finished file is now. */
  readonly tempPath?: string;
  readonly rows: number;
  readonly bytes: number;
  /** Partition column → raw (unescaped) value. */
  readonly partition: Readonly<Record<string, string | null>>;
}

export interface WriteResult {
  readonly files: readonly WrittenFile[];
  readonly rows: number;
  readonly bytes: number;
}

/**
 * An open stream of rows to one target. Rows of a partitioned target go to one directory per
 * partition, `<col>=<escaped value>` (see `partitionSegment`): a value never adds a path segment
 * or leaves the target directory, and empty and null values both land in
 * `__HIVE_DEFAULT_PARTITION__`.
 */
export interface WriteSession<T = Row> {
  /**
   * A row that does not fit the schema goes to the writer's quarantine sink when it has one (and
   * counts in `errors`); without one, `write` rejects with a SchemaError naming the column.
   */
  write(batch: readonly T[]): Promise<void>;
  /** Finishes every file and reports what was written. */
  close(): Promise<WriteResult>;
  /** Discards everything this session wrote; nothing becomes visible. */
  abort(): Promise<void>;
}

/** Writes rows to a sink. Writers only write: they never change rows, only encode them. */
export interface Writer<T = Row> {
  open(target: WriteTarget): WriteSession<T>;
  /**
   * Cumulative over every session this writer opened: `recordsIn` the rows given to `write`,
   * `recordsOut` and `bytesOut` the rows and bytes of finished files, `errors` rejected rows.
   */
  stats(): Stats;
}
