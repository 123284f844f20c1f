/**
 * Streaming reader of Parquet files and Hive-partitioned Parquet datasets.
 */
import {
  ConfigError,
  defineSchema,
  EtlError,
  errorMessage,
  type Logger,
  type ObjectStorage,
  type QuarantineSink,
  type Reader,
  type Row,
  type Schema,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import type { ParquetParsers } from 'hyparquet';
import { createParsers, type TypeMappingOptions } from './column-types.js';
import { CompactionView } from './compaction-view.js';
import { listDatasetFiles } from './dataset-files.js';
import { type DatasetPlan, type PlannedFile, planDataset } from './dataset-plan.js';
import { mergeLayouts } from './dataset-schema.js';
import { ObjectAsyncBuffer } from './object-async-buffer.js';
import { listObjectDatasetFiles, type ObjectFileRef } from './object-dataset-files.js';
import { type ColumnRange, ParquetFile, type ParquetSource } from './parquet-file.js';
import { type PartitionPredicate, validatePartitionFilter } from './partition-filter.js';
import { PARTITION_TYPES, type PartitionType } from './partition-values.js';
import {
  appendRows,
  convertColumns,
  layoutColumns,
  type MissingColumns,
  type RowLayout,
  rowLayout,
} from './row-layout.js';

export interface ParquetReaderOptions {
  /** Projection: only these columns are decoded, in this order. Partition columns only if named. */
  readonly columns?: readonly string[];
  /** Partition pruning: column → value, list of values (IN) or range `{ gte, lte, gt, lt, eq }`. */
  readonly filter?: Readonly<Record<string, PartitionPredicate>>;
  /** How to restore partition columns; unnamed ones are inferred (dates, canonical integers, else strings). */
  readonly partitionTypes?: Readonly<Record<string, PartitionType>>;
  /** Rows per yielded batch (default 8192); only the last batch of a read may be shorter. */
  readonly batchSize?: number;
  /** Discover `key=value` partition columns in paths (default true). */
  readonly hive?: boolean;
  /** A projected column missing from a file: `'error'` (default) or read it as `'null'`. */
  readonly missingColumns?: MissingColumns;
  /**
   * Where unreadable files and row groups go. Without one, the first unreadable file stops the read
   * with an error naming it; with one, it is set aside and the rest is read.
   */
  readonly quarantine?: QuarantineSink;
  /**
   * Read BYTE_ARRAY columns that carry no type annotation as UTF-8 strings (default false: as
   * `binary`, Uint8Array values, like DuckDB). Older Impala and Hive files store text that way.
   */
  readonly binaryAsString?: boolean;
  /**
   * Follow compaction manifests (default true): while `etl compact` swaps a partition's files for
   * their merged file, read exactly one of the two sets, never both (see compaction-view.ts).
   * Local files only.
   */
  readonly followManifests?: boolean;
  /**
   * Read from object storage (an S3 bucket, `@etl/storage-s3`) instead of the local filesystem:
   * the input is then a key prefix (a dataset) or a key (one file) in it. Files are found by one
   * listing, pruned by their partition values, and read by byte ranges (footer, then the needed
   * column chunks of one row group at a time), never downloaded whole.
   */
  readonly storage?: ObjectStorage;
  readonly logger?: Logger;
}

/** What a file's footer says, without reading its data. */
export interface ParquetFileInfo {
  readonly rows: number;
  readonly rowGroups: number;
  /** Key-value metadata of the footer. */
  readonly keyValue: Readonly<Record<string, string>>;
  /** Compression codec of the file's first column chunk (`ZSTD`, `SNAPPY`, ...), if any. */
  readonly codec: string | undefined;
  /**
   * Per flat column whose every row group has statistics: its smallest and largest value (as
   * stored: timestamps as integers in the file's unit) and its null count.
   */
  readonly ranges: Readonly<Record<string, ColumnRange>>;
}

const DEFAULT_BATCH_SIZE = 8192;
const STAGE = 'parquet-reader';

function validateOptions(options: ParquetReaderOptions): void {
  const { batchSize, columns, partitionTypes, filter, missingColumns } = options;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new ConfigError('batchSize', `expected a positive integer, got ${String(batchSize)}`);
  }
  if (columns) {
    const seen = new Set<string>();
    for (const c of columns) {
      if (typeof c !== 'string' || c === '')
        throw new ConfigError('columns', 'column names must be non-empty strings');
      if (seen.has(c)) throw new ConfigError('columns', `column ${c} is named twice`);
      seen.add(c);
    }
  }
  for (const [key, type] of Object.entries(partitionTypes ?? {})) {
    if (!PARTITION_TYPES.includes(type)) {
      throw new ConfigError(
        `partitionTypes.${key}`,
        `expected one of ${PARTITION_TYPES.join(', ')}, got ${String(type)}`,
      );
    }
  }
  if (filter) {
    if (options.hive === false) throw new ConfigError('filter', 'partition filters need hive: true');
    validatePartitionFilter(filter);
  }
  if (options.binaryAsString !== undefined && typeof options.binaryAsString !== 'boolean') {
    throw new ConfigError('binaryAsString', `expected true or false, got ${String(options.binaryAsString)}`);
  }
  if (missingColumns !== undefined && missingColumns !== 'error' && missingColumns !== 'null') {
    throw new ConfigError('missingColumns', `expected 'error' or 'null', got ${String(missingColumns)}`);
  }
}

/**
 * Reads a Parquet file, a Hive-partitioned dataset directory or a glob, in sorted path order, one
 * row group at a time, as batches of rows that follow the core value conventions.
 */
export class ParquetReader implements Reader<Row> {
  private readonly options: ParquetReaderOptions;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly parsers: Partial<ParquetParsers> = createParsers();
  private readonly mapping: TypeMappingOptions;
  private readonly collector = new StatsCollector(STAGE);
  /** Object-storage files of the last plan, by the path the plan names them with. */
  private objects = new Map<string, ObjectFileRef>();

  constructor(options: ParquetReaderOptions = {}) {
    validateOptions(options);
    this.options = options;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.logger = options.logger ?? silentLogger;
    this.mapping = { binaryAsString: options.binaryAsString === true };
  }

  /** The files a `read(input)` would open, after partition pruning, in read order. */
  async files(input: string): Promise<string[]> {
    const plan = await this.plan(input);
    return plan.files.map((f) => f.path);
  }

  /** Rows, row groups, key-value metadata and codec of one file, from its footer. */
  async fileInfo(file: string): Promise<ParquetFileInfo> {
    const opened = await ParquetFile.open(file, this.parsers, this.mapping);
    try {
      const rows = opened.rowGroupRows.reduce((a, b) => a + b, 0);
      return {
        rows,
        rowGroups: opened.rowGroupRows.length,
        keyValue: opened.keyValue,
        codec: opened.codec,
        ranges: opened.ranges,
      };
    } finally {
      await opened.close();
    }
  }

  /**
   * The core schema of what `read(input)` yields: the union of the selected files' columns (their
   * footers are read, not their data) plus partition columns, or the projection in its order.
   */
  async schema(input: string): Promise<Schema> {
    const plan = await this.plan(input);
    const layouts: { path: string; layout: RowLayout }[] = [];
    for (const planned of plan.files) {
      const file = await ParquetFile.open(planned.path, this.parsers, this.mapping, this.sourceOpener());
      try {
        layouts.push({ path: planned.path, layout: this.layoutOf(planned, file, plan) });
      } finally {
        await file.close();
      }
    }
    return layouts.length ? mergeLayouts(layouts) : defineSchema([]);
  }

  async *read(input: string): AsyncGenerator<Row[]> {
    const plan = await this.plan(input);
    this.collector.count('files_pruned', plan.pruned);
    this.logger.debug('parquet read planned', { input, files: plan.files.length, pruned: plan.pruned });
    let batch: Row[] = [];
    for (const planned of plan.files) {
      const file = await this.open(planned.path);
      if (!file) continue;
      try {
        const layout = this.layoutOf(planned, file, plan);
        let columns: (ArrayLike<unknown> | undefined)[] | undefined;
        for (let g = 0; g < file.rowGroupRows.length; g++) {
          // Drop the previous row group before decoding the next, so at most one is in memory.
          columns = undefined;
          columns = await this.decode(file, g, layout);
          if (!columns) continue;
          const rows = file.rowGroupRows[g]!;
          this.collector.recordsIn += rows;
          for (let at = 0; at < rows; ) {
            const take = Math.min(rows - at, this.batchSize - batch.length);
            appendRows(batch, layout, columns, at, at + take);
            at += take;
            if (batch.length === this.batchSize) {
              this.collector.recordsOut += batch.length;
              yield batch;
              batch = [];
            }
          }
        }
      } finally {
        this.collector.count('bytes_read', file.bytesRead);
        await file.close();
      }
    }
    if (batch.length > 0) {
      this.collector.recordsOut += batch.length;
      yield batch;
    }
  }

  /** Cumulative over every `read`. Counters: `files`, `row_groups`, `files_pruned`, `bytes_read`. */
  stats(): Stats {
    return this.collector.snapshot();
  }

  private async plan(input: string): Promise<DatasetPlan> {
    let found: Awaited<ReturnType<typeof listDatasetFiles>>;
    if (this.options.storage) {
      const listed = await listObjectDatasetFiles(this.options.storage, input, this.options.hive ?? true);
      found = listed.files;
      this.objects = listed.refs;
    } else found = await listDatasetFiles(input, this.options.hive ?? true);
    const plan = planDataset(found, {
      partitionTypes: this.options.partitionTypes ?? {},
      ...(this.options.filter ? { filter: this.options.filter } : {}),
      logger: this.logger,
    });
    if (this.options.followManifests === false || this.options.storage) return plan;
    return { ...plan, files: await new CompactionView().visible(plan.files) };
  }

  /** Byte-range reads of listed objects with object storage; local files otherwise (the default). */
  private sourceOpener(): ((path: string) => Promise<ParquetSource>) | undefined {
    const storage = this.options.storage;
    if (!storage) return undefined;
    return (path) => {
      const ref = this.objects.get(path);
      if (!ref) throw new EtlError(`${path}: not a file of the planned dataset`, 'E_NOT_FOUND');
      return ObjectAsyncBuffer.open(storage, ref.key, ref.size);
    };
  }

  private layoutOf(planned: PlannedFile, file: ParquetFile, plan: DatasetPlan): RowLayout {
    return rowLayout({
      file: planned,
      fileColumns: file.columns,
      partitionColumns: plan.partitionColumns,
      ...(this.options.columns ? { projection: this.options.columns } : {}),
      missingColumns: this.options.missingColumns ?? 'error',
    });
  }

  private async open(path: string): Promise<ParquetFile | undefined> {
    try {
      const file = await ParquetFile.open(path, this.parsers, this.mapping, this.sourceOpener());
      this.collector.count('files');
      this.collector.bytesIn += file.byteLength;
      return file;
    } catch (error) {
      this.setAside(path, 0, error);
      return undefined;
    }
  }

  /** The row group's arrays in layout order, or undefined when it was set aside. */
  private async decode(
    file: ParquetFile,
    group: number,
    layout: RowLayout,
  ): Promise<(ArrayLike<unknown> | undefined)[] | undefined> {
    try {
      const arrays = await file.readRowGroup(group, layout.decode);
      convertColumns(arrays, layout.convert);
      this.collector.count('row_groups');
      return layoutColumns(layout, arrays);
    } catch (error) {
      this.setAside(file.path, file.rowGroupStart(group) + 1, error);
      return undefined;
    }
  }

  /** Quarantines an unreadable file (line 0) or row group (line = its first row), or rethrows. */
  private setAside(file: string, line: number, error: unknown): void {
    const sink = this.options.quarantine;
    const wrapped =
      error instanceof EtlError
        ? error
        : new EtlError(`${file}: ${errorMessage(error)}`, 'E_PARQUET', { cause: error });
    if (!sink) throw wrapped;
    this.collector.errors++;
    this.collector.count(line === 0 ? 'files_failed' : 'row_groups_failed');
    this.logger.warn('unreadable parquet data set aside', { file, line, reason: wrapped.message });
    sink.put({ file, line, reason: wrapped.message, raw: '', stage: STAGE });
  }
}
