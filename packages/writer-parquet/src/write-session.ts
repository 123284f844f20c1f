import path from 'node:path';
import {
  checkValue,
  EtlError,
  type Field,
  type Row,
  SchemaError,
  type WriteResult,
  type WriteSession,
  type WriteTarget,
} from '@etl/core';
import type { BudgetedPartition, BudgetedSession } from './buffer-budget.js';
import { createColumnBuffer } from './column-buffer.js';
import { prepareCompression } from './compression.js';
import { CreatedDirectories } from './created-directories.js';
import { EncodePool } from './encode-pool.js';
import { type HivePartition, HivePartitioner } from './hive-partitioner.js';
import { parquetSchemaFor } from './parquet-schema.js';
import { PartFile, type PartFileSettings } from './part-file.js';
import { partFileName, sanitizeInputId } from './part-names.js';
import {
  compilePartitionKeys,
  compileRowAppender,
  type PartitionKeys,
  type RowAppender,
} from './row-appender.js';
import { keyValueMetadata, publishFiles, writeResult } from './session-files.js';
import {
  COLUMN_OVERHEAD_BYTES,
  INITIAL_ROWS,
  type PartitionState,
  type SessionSettings,
  type Status,
} from './session-state.js';
import { constantChunk, withValueColumns } from './shortened-partitions.js';
import { previewValue } from './value-preview.js';

/**
 * An open write to one target. Rows are routed to their Hive partition and buffered column-wise
 * in typed arrays; a partition's buffer becomes a row group as soon as it holds `rowGroupSize`
 * rows, or earlier when all partitions together hold more than `maxBufferedBytes` (the fullest
 * one goes first), so memory stays flat however many partitions a run touches. Row groups are
 * encoded on the shared worker thread unless `useWorker` is off. Files are written under
 * dot-temporary names and renamed into place by `close()`.
 */
export class ParquetWriteSession implements WriteSession<Row>, BudgetedSession {
  private readonly partitioner: HivePartitioner;
  private readonly fields: readonly Field[];
  private readonly names: readonly string[];
  private readonly append: RowAppender;
  private readonly partitionKeys: PartitionKeys;
  private readonly fileSettings: PartFileSettings;
  /**
   * String partition columns not otherwise in the files: a partition whose directory name had to
   * be shortened stores their true values in its files too (see {@link fileSettingsFor}).
   */
  private readonly valuesInFile: readonly Field[];
  private shortenedDirSettings: PartFileSettings | undefined;
  /** Bytes one buffered row takes in every column buffer together. */
  private readonly bytesPerRow: number;
  private readonly fileId: string;
  private readonly singleFile: boolean;
  private readonly maxRowsPerFile: number;
  private readonly states: (PartitionState | undefined)[] = [];
  /** Partitions whose column buffers hold memory (the only ones the budget may reclaim). */
  private readonly resident = new Set<PartitionState>();
  /** Every file this session created, in creation order. */
  private readonly files: { file: PartFile; state: PartitionState }[] = [];
  private readonly directories = new CreatedDirectories();
  /** Files the open-file cap is finishing early (see {@link evict}); close and abort wait for them. */
  private readonly evicting = new Set<Promise<void>>();
  private ready: Promise<void> | undefined;
  private status: Status = 'open';
  private busy = false;
  /** Rows received by this session, for the 1-based row number of a quarantined row. */
  private received = 0;
  private failure: unknown;
  private evictionFailure: unknown;

  constructor(
    private readonly target: WriteTarget,
    private readonly settings: SessionSettings,
  ) {
    if (typeof target.path !== 'string' || target.path === '')
      throw new EtlError('write target needs a path', 'E_CONFIG');
    const partitionCols = target.partitionCols ?? [];
    const schemaFields = target.schema.fields;
    this.partitioner = new HivePartitioner(partitionCols, {
      checkValue: (column, value) => this.checkPartitionValue(column, value),
    });
    const excluded = settings.keepPartitionColumns ? [] : partitionCols;
    this.fields = schemaFields.filter((f) => !excluded.includes(f.name));
    if (this.fields.length === 0) {
      throw new EtlError(
        `${target.path}: the schema has no column besides the partition columns (set keepPartitionColumns)`,
        'E_CONFIG',
      );
    }
    this.names = this.fields.map((f) => f.name);
    this.append = compileRowAppender(this.fields);
    this.partitionKeys = compilePartitionKeys(partitionCols);
    this.bytesPerRow = this.fields
      .map((f) => createColumnBuffer(f, 1).bytesPerRow)
      .reduce((a, b) => a + b, 0);
    this.singleFile = partitionCols.length === 0 && target.path.endsWith('.parquet');
    this.maxRowsPerFile = this.singleFile ? Number.POSITIVE_INFINITY : settings.maxRowsPerFile;
    const inputId = target.inputId ? sanitizeInputId(target.inputId) : '';
    this.fileId = inputId || settings.randomId();
    this.fileSettings = {
      encoding: {
        schema: parquetSchemaFor(target.schema, excluded),
        // The schema's dictionary hint forces dictionary pages; the encoder decides for the others.
        dictionary: this.fields.map((f) => f.dictionary === true),
        compression: settings.compression,
        compressionLevel: settings.compressionLevel,
        kvMetadata: keyValueMetadata(target.metadata, target.inputId || this.fileId),
        createdBy: settings.createdBy,
      },
      pool: settings.useWorker ? EncodePool.shared() : undefined,
      openFiles: settings.openFiles,
    };
    this.valuesInFile = settings.keepPartitionColumns
      ? []
      : schemaFields.filter((f) => partitionCols.includes(f.name) && f.type === 'string');
    settings.budget.join(this);
  }

  async write(batch: readonly Row[]): Promise<void> {
    this.enter('write');
    let processed = 0;
    try {
      if (this.evictionFailure !== undefined) throw this.evictionFailure;
      await this.prepare();
      const names = this.names;
      const append = this.append;
      const { samePartition, readPartition, lastValues } = this.partitionKeys;
      let lastPartition: HivePartition | undefined;
      for (let r = 0; r < batch.length; r++) {
        const row = batch[r]!;
        processed++;
        let partition: HivePartition;
        if (lastPartition !== undefined && samePartition(row, lastValues)) partition = lastPartition;
        else {
          try {
            partition = this.partitioner.partitionOf(row);
          } catch (error) {
            if (!(error instanceof SchemaError)) throw error;
            this.reject(row, processed, error);
            continue;
          }
          lastPartition = partition;
          readPartition(row, lastValues);
        }
        const state = this.states[partition.id] ?? this.openPartition(partition);
        if (state.buffered === state.allocated) await this.makeRoom(state);
        const columns = state.columns;
        const bad = append(row, columns, state.buffered);
        if (bad >= 0) {
          // A rejected row is not counted in `buffered`, so its stored values are overwritten.
          const value = row[names[bad]!];
          this.reject(row, processed, this.valueError(r, names[bad]!, value, columns[bad]!.problem(value)));
          continue;
        }
        if (++state.buffered === state.capacity) await this.flushGroup(state, state.allocated);
      }
    } catch (error) {
      if (!(error instanceof SchemaError)) this.fail(error);
      throw error;
    } finally {
      this.received += processed;
      this.settings.stats.recordsIn += processed;
      this.busy = false;
    }
  }

  async close(): Promise<WriteResult> {
    this.enter('close');
    try {
      await this.prepare();
      // Hand every partition's last rows over first, so a worker encodes them while files finish.
      for (const state of this.states) if (state && state.buffered > 0) await this.flushGroup(state, 0);
      for (const state of this.states) if (state?.file) await this.finishFile(state);
      await this.settleEvictions();
      // A single-file target always gets its file, so a reader finds the schema even with no rows.
      if (this.singleFile && this.files.length === 0) await this.writeEmptyFile();
      if (!this.target.deferPublish) await this.publishAll();
      this.status = 'closed';
      this.leaveBudget();
      return this.result();
    } catch (error) {
      this.fail(error);
      throw error;
    } finally {
      this.busy = false;
    }
  }

  async abort(): Promise<void> {
    if (this.status === 'aborted') return;
    const published = this.status === 'closed' && !this.target.deferPublish;
    this.status = 'aborted';
    this.leaveBudget();
    if (published) {
      this.settings.logger.debug(
        'parquet session aborted after its files were published; nothing to discard',
        {
          path: this.target.path,
        },
      );
      return;
    }
    await this.settleEvictions().catch(() => {});
    let discarded = 0;
    for (const { file } of this.files) {
      if (file.published) continue;
      await file.discard();
      discarded++;
    }
    await this.directories.removeEmpty();
    this.settings.logger.debug('parquet session aborted', { path: this.target.path, discarded });
  }

  /** zstd's wasm module is needed only where pages are compressed: here without the worker. */
  private prepare(): Promise<void> {
    this.ready ??= this.settings.useWorker
      ? Promise.resolve()
      : prepareCompression(this.settings.compression);
    return this.ready;
  }

  private enter(what: string): void {
    if (this.status === 'failed') {
      throw new EtlError(
        `${this.target.path}: cannot ${what}: an earlier write failed; abort the session`,
        'E_WRITE',
        {
          cause: this.failure,
        },
      );
    }
    if (this.status !== 'open')
      throw new EtlError(`${this.target.path}: cannot ${what}: session is ${this.status}`, 'E_WRITE');
    if (this.busy) {
      throw new EtlError(
        `${this.target.path}: cannot ${what} while another write or close is running`,
        'E_WRITE',
      );
    }
    this.busy = true;
  }

  private fail(error: unknown): void {
    if (this.status === 'failed') return;
    this.status = 'failed';
    this.failure = error;
    // A failed session only waits to be aborted: its buffers are not needed any more.
    this.leaveBudget();
  }

  /** Counts a row that does not fit, then quarantines it or (without a sink) throws `error`. */
  private reject(row: Row, numberInBatch: number, error: SchemaError): void {
    const stats = this.settings.stats;
    stats.errors++;
    const sink = this.settings.quarantine;
    if (!sink) throw error;
    stats.count('quarantined');
    sink.put({
      file: this.target.path,
      line: this.received + numberInBatch,
      reason: error.message,
      raw: previewValue(row, 1000),
      stage: 'parquet-writer',
    });
  }

  private checkPartitionValue(column: string, value: unknown): void {
    if (
      value !== null &&
      (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')
    ) {
      throw this.valueError(-1, column, value, `partition column ${column} must hold a scalar value`);
    }
    const field = this.target.schema.fields.find((f) => f.name === column);
    const problem = field ? checkValue(field, value) : undefined;
    if (problem) throw this.valueError(-1, column, value, problem);
  }

  private valueError(row: number, column: string, value: unknown, problem: string): SchemaError {
    const where = row >= 0 ? ` row ${row} of the batch,` : '';
    return new SchemaError(
      `${this.target.path}:${where} column ${column}: ${problem} (value ${previewValue(value)})`,
    );
  }

  private openPartition(partition: HivePartition): PartitionState {
    const state: PartitionState = {
      partition,
      dir: partition.dir ? path.join(this.target.path, partition.dir) : this.target.path,
      // Buffers come with the partition's first row (makeRoom), within the budget.
      columns: [],
      buffered: 0,
      allocated: 0,
      allocatedBytes: 0,
      capacity: Math.min(this.settings.rowGroupSize, this.maxRowsPerFile),
      file: undefined,
      nextFileIndex: 0,
    };
    this.states[partition.id] = state;
    this.settings.stats.count('partitions');
    if (partition.truncated) {
      this.settings.logger.warn(
        'partition value too long for a directory name: shortened with a hash; its files hold the true value as a column',
        { path: this.target.path, dir: partition.dir },
      );
    }
    return state;
  }

  /**
   * Creates a partition's column buffers, or grows every one of a full partition together
   * (doubling, up to a row group). When that would pass the memory budget, the partition holding
   * the most memory is written first: another one gives all its memory back (its buffers come
   * again with its next row), this one simply empties.
   */
  private async makeRoom(state: PartitionState): Promise<void> {
    const rows = Math.min(Math.max(state.allocated * 2, INITIAL_ROWS), this.settings.rowGroupSize);
    const budget = this.settings.budget;
    const more = this.bytesFor(rows) - state.allocatedBytes;
    while (budget.exceededBy(more)) {
      const largest = budget.largest(this, this.activeStates());
      if (!largest) break;
      if (largest.partition === state) {
        await this.flushGroup(state, state.allocated);
        return;
      }
      if (largest.session === this) await this.flushGroup(largest.partition as PartitionState, 0);
      else await largest.session.release(largest.partition);
    }
    if (state.columns.length === 0) {
      const { rowGroupSize } = this.settings;
      state.columns = this.fields.map((f) => createColumnBuffer(f, rowGroupSize, rows));
    } else for (const column of state.columns) column.ensureCapacity(rows);
    this.resized(state);
  }

  private activeStates(): Iterable<PartitionState> {
    return this.resident;
  }

  /** Budgeted bytes of a partition's buffers with room for `rows` rows. */
  private bytesFor(rows: number): number {
    return rows === 0 ? 0 : rows * this.bytesPerRow + this.fields.length * COLUMN_OVERHEAD_BYTES;
  }

  /** Partitions another session of the writer may have written early (none while this one is busy). */
  releasable(): Iterable<BudgetedPartition> {
    return this.busy || this.status !== 'open' ? [] : this.activeStates();
  }

  /** Writes one of this session's partitions early, for another session that needs the memory. */
  async release(partition: BudgetedPartition): Promise<void> {
    if (this.busy || this.status !== 'open') return;
    this.busy = true;
    try {
      await this.flushGroup(partition as PartitionState, 0);
    } catch (error) {
      this.fail(error);
      throw error;
    } finally {
      this.busy = false;
    }
  }

  /** Accounts for a change of a partition's column buffer sizes. */
  private resized(state: PartitionState): void {
    const allocated = state.columns.length === 0 ? 0 : state.columns[0]!.data.length;
    const bytes = this.bytesFor(allocated);
    this.settings.budget.account(bytes - state.allocatedBytes);
    state.allocated = allocated;
    state.allocatedBytes = bytes;
    if (allocated > 0) this.resident.add(state);
    else this.resident.delete(state);
  }

  /** The session is over: its buffers no longer count against the writer's budget. */
  private leaveBudget(): void {
    for (const state of this.states) {
      if (!state) continue;
      this.settings.budget.account(-state.allocatedBytes);
      state.allocatedBytes = 0;
    }
    this.settings.budget.leave(this);
  }

  /**
   * Writes the buffered rows as a row group; the buffers start again with room for `nextRows`
   * (0: the partition gives its buffers up until its next row).
   */
  private async flushGroup(state: PartitionState, nextRows: number): Promise<void> {
    const rows = state.buffered;
    const file = state.file ?? (state.file = await this.openFile(state));
    const chunks = state.columns.map((column) => column.take(rows, nextRows));
    if (state.partition.truncated)
      for (const f of this.valuesInFile)
        chunks.push(constantChunk(state.partition.values[f.name] ?? null, rows));
    if (nextRows === 0) state.columns = [];
    this.resized(state);
    state.buffered = 0;
    await file.writeRowGroup(chunks, rows);
    this.settings.stats.count('row_groups');
    // The open-file cap may have finished the file meanwhile (another session's write).
    if (file.rows >= this.maxRowsPerFile && state.file === file) await this.finishFile(state);
    state.capacity = Math.min(this.settings.rowGroupSize, this.maxRowsPerFile - (state.file?.rows ?? 0));
  }

  private finalPath(state: PartitionState): string {
    if (this.singleFile) return this.target.path;
    return path.join(state.dir, partFileName(this.fileId, state.nextFileIndex));
  }

  private async openFile(state: PartitionState): Promise<PartFile> {
    const finalPath = this.finalPath(state);
    await this.directories.ensure(path.dirname(finalPath));
    // A single-file target's path is fixed: over the cap its descriptor is closed, not finished.
    let file: PartFile | undefined;
    const evict = this.singleFile ? undefined : async () => file !== undefined && this.evict(state, file);
    file = await PartFile.create(finalPath, this.fileSettingsFor(state), evict);
    state.nextFileIndex++;
    this.files.push({ file, state });
    return file;
  }

  /** The settings of a partition's files: with the value columns when its directory name was shortened. */
  private fileSettingsFor(state: PartitionState): PartFileSettings {
    if (!state.partition.truncated || this.valuesInFile.length === 0) return this.fileSettings;
    this.shortenedDirSettings ??= withValueColumns(this.fileSettings, this.target.schema, this.valuesInFile);
    return this.shortenedDirSettings;
  }

  /**
   * The open-file cap took `file`'s descriptor: the file is finished now, so neither its footer
   * metadata nor its descriptor stays held; the partition's next rows start a further part file.
   * Called from any session's write (whichever opened a file over the cap): a failure is this
   * session's, reported by its next write or close, not by the caller's.
   */
  private async evict(state: PartitionState, file: PartFile): Promise<boolean> {
    if (state.file !== file) return false;
    const finishing = this.finishFile(state).then(
      () => {
        this.evicting.delete(finishing);
      },
      (error: unknown) => {
        this.evicting.delete(finishing);
        this.evictionFailure ??= error;
      },
    );
    this.evicting.add(finishing);
    await finishing;
    return true;
  }

  /** Waits for the files being finished early; throws the first failure among them. */
  private async settleEvictions(): Promise<void> {
    while (this.evicting.size > 0) await Promise.all(this.evicting);
    if (this.evictionFailure !== undefined) throw this.evictionFailure;
  }

  private async finishFile(state: PartitionState): Promise<void> {
    const file = state.file;
    if (!file) return;
    state.file = undefined;
    await file.finish();
    const stats = this.settings.stats;
    stats.count('files');
    stats.recordsOut += file.rows;
    stats.bytesOut += file.bytes;
    this.settings.logger.debug('parquet file finished', {
      path: file.finalPath,
      rows: file.rows,
      rowGroups: file.rowGroups,
      bytes: file.bytes,
    });
  }

  private async writeEmptyFile(): Promise<void> {
    const state = this.openPartition(this.partitioner.partitionOf({}));
    state.file = await this.openFile(state);
    await this.finishFile(state);
  }

  private async publishAll(): Promise<void> {
    await publishFiles(this.files, this.singleFile ? undefined : this.fileId, this.settings.logger);
  }

  private result(): WriteResult {
    return writeResult(this.files, this.target.deferPublish === true);
  }
}
