/** The settings and per-partition state of a write session. */
import type { Logger, QuarantineSink, StatsCollector } from '@etl/core';
import type { BudgetedPartition, BufferBudget } from './buffer-budget.js';
import type { ColumnBuffer } from './column-buffer.js';
import type { ParquetCompression } from './compression.js';
import type { HivePartition } from './hive-partitioner.js';
import type { OpenFileLimit } from './open-file-limit.js';
import type { PartFile } from './part-file.js';

/** Resolved writer options a session works with. */
export interface SessionSettings {
  readonly compression: ParquetCompression;
  readonly compressionLevel: number | undefined;
  readonly rowGroupSize: number;
  /** Memory for buffered rows, shared with every other session of the writer. */
  readonly budget: BufferBudget;
  /** Cap on part files with an open descriptor, shared with every other session of the writer. */
  readonly openFiles: OpenFileLimit;
  /** Encode and compress on the shared worker thread. */
  readonly useWorker: boolean;
  readonly maxRowsPerFile: number;
  readonly keepPartitionColumns: boolean;
  readonly createdBy: string;
  readonly logger: Logger;
  /** Where rejected rows go instead of failing the write; undefined: throw SchemaError. */
  readonly quarantine: QuarantineSink | undefined;
  readonly stats: StatsCollector;
  /** Session-wide file id when the target has no inputId. */
  readonly randomId: () => string;
}

export type Status = 'open' | 'closed' | 'aborted' | 'failed';

/**
 * Rows a partition's column buffers start with. Small, because a run may touch thousands of
 * partitions holding a few rows each; buffers double from here as a partition's rows arrive.
 */
export const INITIAL_ROWS = 64;

/**
 * Memory a partition's column buffers take besides their rows (column object, typed-array and
 * ArrayBuffer objects, a string column's dictionary), counted against the budget so thousands of
 * nearly empty partitions cannot pass it unnoticed.
 */
export const COLUMN_OVERHEAD_BYTES = 512;

/** Rows of one partition waiting to become a row group, and the partition's current file. */
export interface PartitionState extends BudgetedPartition {
  readonly partition: HivePartition;
  readonly dir: string;
  /** Column buffers; empty (no memory held) until the partition's next row arrives. */
  columns: ColumnBuffer[];
  /** Rows buffered for the next row group. */
  buffered: number;
  /** Rows the column buffers have room for, and the bytes that takes. */
  allocated: number;
  allocatedBytes: number;
  /** Rows after which the buffer is written: the row-group size, or less near a rollover. */
  capacity: number;
  file: PartFile | undefined;
  nextFileIndex: number;
}
