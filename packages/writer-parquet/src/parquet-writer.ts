import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  type Logger,
  type QuarantineSink,
  type Row,
  type Stats,
  StatsCollector,
  silentLogger,
  type Writer,
  type WriteSession,
  type WriteTarget,
} from '@etl/core';
import { BufferBudget } from './buffer-budget.js';
import { COMPRESSIONS, DEFAULT_COMPRESSION, type ParquetCompression } from './compression.js';
import { OpenFileLimit } from './open-file-limit.js';
import { CREATED_BY } from './version.js';
import { ParquetWriteSession } from './write-session.js';

export interface ParquetWriterOptions {
  /** Page compression (default `'zstd'`: about a third smaller than snappy on level2 data). */
  readonly compression?: ParquetCompression;
  /** Codec level for zstd (1–22, default 3) or gzip (0–9, default 6); ignored otherwise. */
  readonly compressionLevel?: number;
  /** Rows per row group (default 65,536). */
  readonly rowGroupSize?: number;
  /**
   * Memory for buffered rows, over every partition of every session this writer opens (default
   * 20 MiB): before buffers would grow past it, the partition holding the most memory is written
   * as a (smaller) row group, so memory stays flat however many partitions and datasets a run
   * writes, and however long the input is.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Part files of this writer holding an open descriptor at once (default 128). Past it, the
   * least recently written file's descriptor is closed and reopened (append mode) by its next
   * row group; the file itself goes on, so a partition still gets one file per input.
   */
  readonly maxOpenFiles?: number;
  /**
   * Encode, compress and write row groups on a worker thread shared by every writer of the
   * process, so the calling thread goes on producing rows (default true). Files and values are
   * the same either way.
   */
  readonly useWorker?: boolean;
  /** Rows per file before a partition rolls over to its next file (default 5,000,000). */
  readonly maxRowsPerFile?: number;
  /** Also write partition columns into the files (default false: only in directory names). */
  readonly keepPartitionColumns?: boolean;
  /** Parquet `created_by` (default `@etl/writer-parquet version <version>`). */
  readonly createdBy?: string;
  /**
   * Where rows that do not fit the schema go (file = dataset path, line = row number in the
   * session, stage `parquet-writer`); the rest is written. Without it such a row fails the
   * `write` with a SchemaError.
   */
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
}

export const DEFAULT_ROW_GROUP_SIZE = 65_536;
export const DEFAULT_MAX_ROWS_PER_FILE = 5_000_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_OPEN_FILES = 128;

function positiveInteger(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConfigError(key, `must be a positive integer, got ${value}`);
  return value;
}

/**
 * Writes rows as Hive-partitioned Parquet files through hyparquet-writer, with column types taken
 * from the target's core schema (timestamps as INT64 TIMESTAMP with `isAdjustedToUTC: false`, so
 * DuckDB keeps nanoseconds; values are UTC).
 */
export class ParquetWriter implements Writer<Row> {
  private readonly stats_ = new StatsCollector('parquet-writer');
  private readonly compression: ParquetCompression;
  private readonly compressionLevel: number | undefined;
  private readonly rowGroupSize: number;
  private readonly budget: BufferBudget;
  private readonly openFiles: OpenFileLimit;
  private readonly useWorker: boolean;
  private readonly maxRowsPerFile: number;
  private readonly keepPartitionColumns: boolean;
  private readonly createdBy: string;
  private readonly logger: Logger;
  private readonly quarantine: QuarantineSink | undefined;

  constructor(options: ParquetWriterOptions = {}) {
    const compression = options.compression ?? DEFAULT_COMPRESSION;
    if (!COMPRESSIONS.includes(compression)) {
      throw new ConfigError(
        'compression',
        `expected one of ${COMPRESSIONS.join(', ')}, got ${String(compression)}`,
      );
    }
    this.compression = compression;
    const level = options.compressionLevel;
    if (level !== undefined && !Number.isInteger(level)) {
      throw new ConfigError('compressionLevel', `must be an integer, got ${level}`);
    }
    if (level !== undefined && compression === 'zstd' && (level < 1 || level > 22)) {
      throw new ConfigError('compressionLevel', `zstd levels are 1–22, got ${level}`);
    }
    if (level !== undefined && compression === 'gzip' && (level < 0 || level > 9)) {
      throw new ConfigError('compressionLevel', `gzip levels are 0–9, got ${level}`);
    }
    this.compressionLevel = level;
    this.rowGroupSize = positiveInteger('rowGroupSize', options.rowGroupSize, DEFAULT_ROW_GROUP_SIZE);
    this.budget = new BufferBudget(
      positiveInteger('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
    );
    this.openFiles = new OpenFileLimit(
      positiveInteger('maxOpenFiles', options.maxOpenFiles, DEFAULT_MAX_OPEN_FILES),
    );
    this.useWorker = options.useWorker ?? true;
    this.maxRowsPerFile = positiveInteger(
      'maxRowsPerFile',
      options.maxRowsPerFile,
      DEFAULT_MAX_ROWS_PER_FILE,
    );
    this.keepPartitionColumns = options.keepPartitionColumns ?? false;
    this.createdBy = options.createdBy ?? CREATED_BY;
    this.logger = options.logger ?? silentLogger;
    this.quarantine = options.quarantine;
  }

  open(target: WriteTarget): WriteSession<Row> {
    return new ParquetWriteSession(target, {
      compression: this.compression,
      compressionLevel: this.compressionLevel,
      rowGroupSize: this.rowGroupSize,
      budget: this.budget,
      openFiles: this.openFiles,
      useWorker: this.useWorker,
      maxRowsPerFile: this.maxRowsPerFile,
      keepPartitionColumns: this.keepPartitionColumns,
      createdBy: this.createdBy,
      logger: this.logger,
      quarantine: this.quarantine,
      stats: this.stats_,
      randomId: () => randomBytes(8).toString('hex'),
    });
  }

  stats(): Stats {
    return this.stats_.snapshot();
  }
}
