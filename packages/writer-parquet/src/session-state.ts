/** The settings and per-partition state of a write session. */
import type { Logger, QuarantineSink, StatsCollector } from '@etl/core';
import type { BudgetedPartition, BufferBudget } from './buffer-budget.js';
import type { ColumnBuffer } from './column-buffer.js';
import type { ParquetCompression } from './compression.js';
import type { HivePartition } from './hive-partitioner.js';
import type { PartFile } from './part-file.js';

/** Resolved writer options a session works with. */
export interface SessionSettings {
  readonly compression: ParquetCompression;
  readonly compressionLevel: number | undefined;
  readonly rowGroupSize: number;
  /** Memory for buffered rows, shared with every other session of the writer. */
  readonly budget: BufferBudget;
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

/** Rows a partition's column buffers start with (and go back to when their memory is wanted). */
export const INITIAL_ROWS = 1024;

/** Rows of one partition waiting to become a row group, and the partition's current file. */
export interface PartitionState extends BudgetedPartition {
  readonly partition: HivePartition;
  readonly dir: string;
  readonly columns: ColumnBuffer[];
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
