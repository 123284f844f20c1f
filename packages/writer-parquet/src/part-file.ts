import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { EtlError, errorMessage } from '@etl/core';
import { temporaryPathFor } from '@etl/core/internal';
import type { ColumnChunk } from './column-chunk.js';
import type { EncodePool } from './encode-pool.js';
import type { OpenFileLimit, SuspendableFile } from './open-file-limit.js';
import type { FileEncodingSpec } from './parquet-file-encoder.js';
import {
  EncodeFailure,
  LocalPartFileEncoder,
  type PartFileEncoder,
  WorkerPartFileEncoder,
} from './part-file-encoders.js';

/** Settings shared by every file of a session. */
export interface PartFileSettings {
  readonly encoding: FileEncodingSpec;
  /** The encode worker; undefined encodes on the calling thread. */
  readonly pool: EncodePool | undefined;
  /** The cap on descriptors held open by the writer's files at once. */
  readonly openFiles: OpenFileLimit;
}

/** A disk operation on a part file failed; the message names the file. */
function writeError(what: string, file: PartFile, cause: unknown): EtlError {
  if (cause instanceof EncodeFailure) {
    what = cause.what;
    cause = cause.reason;
  }
  return new EtlError(
    `${file.finalPath}: ${what} failed (temporary file ${file.tempPath}): ${errorMessage(cause)}`,
    'E_WRITE',
    { cause },
  );
}

/**
 * What the writer's {@link OpenFileLimit} does to an idle file over the cap: `finish` it (the
 * session's callback writes its footer, fsyncs and closes it, and the partition's next rows start
 * a further part file), so nothing of it stays in memory. Resolves false when the callback did not
 * take the file (not yet the partition's current one): then, as without a callback (a single-file
 * target, whose path is fixed), the descriptor is only closed and reopened by the next write.
 */
export type EvictFile = () => Promise<boolean>;

/**
 * One Parquet file being written under its temporary name. Over the open-file cap it is finished
 * early, or (single-file targets) its descriptor is closed between row groups ({@link suspend}) and
 * reopened in append mode by the next write: the encoder keeps the footer's metadata in memory.
 */
export class PartFile implements SuspendableFile {
  rows = 0;
  rowGroups = 0;
  bytes = 0;
  published = false;
  busy = false;
  private finished = false;
  private closed = false;
  /** The open descriptor; undefined while suspended. */
  private handle: FileHandle | undefined;
  /** Set while {@link suspend} closes the descriptor. */
  private suspending: Promise<void> | undefined;
  /** Released once the file is finished (a local encoder holds a 1 MiB buffer and the footer). */
  private encoder: PartFileEncoder | undefined;

  private constructor(
    readonly finalPath: string,
    readonly tempPath: string,
    private readonly openFiles: OpenFileLimit,
    private readonly evict: EvictFile | undefined,
  ) {}

  static async create(finalPath: string, settings: PartFileSettings, evict?: EvictFile): Promise<PartFile> {
    const file = new PartFile(finalPath, temporaryPathFor(finalPath), settings.openFiles, evict);
    file.busy = true;
    try {
      await settings.openFiles.admit(file);
      try {
        file.handle = await open(file.tempPath, 'wx');
      } catch (error) {
        settings.openFiles.closed(file);
        throw new EtlError(
          `${finalPath}: creating temporary file ${file.tempPath} failed: ${errorMessage(error)}`,
          'E_WRITE',
          { cause: error },
        );
      }
      file.encoder = settings.pool
        ? new WorkerPartFileEncoder(settings.pool, file.handle.fd, settings.encoding)
        : new LocalPartFileEncoder(file.handle, settings.encoding);
    } finally {
      file.busy = false;
    }
    return file;
  }

  /**
   * Encodes `rows` rows (one chunk per column) as one row group. With the encode worker this
   * resolves once the group is handed over; a failure then surfaces on a later call or `finish`.
   */
  async writeRowGroup(chunks: ColumnChunk[], rows: number): Promise<void> {
    this.busy = true;
    try {
      await this.reopen();
      await this.encoder!.writeRowGroup(chunks, rows);
    } catch (error) {
      throw writeError('writing a row group', this, error);
    } finally {
      this.busy = false;
    }
    this.rows += rows;
    this.rowGroups++;
  }

  /** Writes the footer, fsyncs and closes the file; it stays under its temporary name. */
  async finish(): Promise<void> {
    this.busy = true;
    let bytes: number;
    try {
      await this.reopen();
      bytes = await this.encoder!.finish();
    } catch (error) {
      await this.encoder!.drop();
      await this.closeHandle().catch(() => {});
      this.closed = true;
      this.busy = false;
      throw writeError('finishing the file', this, error);
    }
    try {
      // Once per file, not per row group: the file must be on disk before a commit names it.
      await this.handle?.sync();
      await this.closeHandle();
    } catch (error) {
      await this.closeHandle().catch(() => {});
      throw writeError('finishing the file', this, error);
    } finally {
      this.closed = true;
      this.busy = false;
    }
    this.finished = true;
    this.bytes = bytes;
    this.encoder = undefined;
  }

  /**
   * Frees the descriptor of an idle open file: finishes the file when it has an eviction callback,
   * else closes the descriptor, which the next write or finish opens again.
   */
  async suspend(): Promise<void> {
    const handle = this.handle;
    if (!handle || this.busy || this.closed) return;
    if (this.evict && (await this.evict())) return;
    if (this.handle !== handle || this.busy || this.closed) return;
    this.handle = undefined;
    this.suspending = this.encoder!.settle().then(() => handle.close());
    try {
      await this.suspending;
    } finally {
      this.suspending = undefined;
    }
  }

  /** Makes sure the descriptor is open (reopening it in append mode after a suspend). */
  private async reopen(): Promise<void> {
    if (this.suspending) await this.suspending.catch(() => {});
    if (this.handle) {
      this.openFiles.touch(this);
      return;
    }
    await this.openFiles.admit(this);
    try {
      this.handle = await open(this.tempPath, 'a');
    } catch (error) {
      this.openFiles.closed(this);
      throw error;
    }
    this.encoder!.reattach(this.handle);
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.openFiles.closed(this);
    if (handle) await handle.close();
  }

  /** Renames the finished file into place (replacing a file of the same name). */
  async publish(): Promise<void> {
    if (!this.finished) throw new EtlError(`${this.finalPath}: cannot publish an unfinished file`, 'E_WRITE');
    try {
      await rename(this.tempPath, this.finalPath);
    } catch (error) {
      throw writeError('renaming into place', this, error);
    }
    this.published = true;
  }

  /** Closes (if open) and deletes the temporary file unless it was published; never throws. */
  async discard(): Promise<void> {
    if (this.published) return;
    if (!this.closed) {
      this.closed = true;
      if (this.suspending) await this.suspending.catch(() => {});
      // The worker may still hold the descriptor: let it go before closing.
      await this.encoder?.drop();
      await this.closeHandle().catch(() => {});
    }
    await unlink(this.tempPath).catch(() => {});
  }
}
