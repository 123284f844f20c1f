import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EtlError, errorMessage } from '@etl/core';
import type { ColumnChunk } from './column-chunk.js';
import type { EncodePool } from './encode-pool.js';
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
}

/**
 * Temporary name of a file being written: in the final directory (so the rename is atomic), a dot
 * first and `.tmp` last, so neither a `*.parquet` glob nor a reader ignoring dot-files sees it.
 */
export function temporaryPathFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
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

/** One Parquet file being written under its temporary name. */
export class PartFile {
  rows = 0;
  rowGroups = 0;
  bytes = 0;
  published = false;
  private finished = false;
  private closed = false;

  private constructor(
    readonly finalPath: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly encoder: PartFileEncoder,
  ) {}

  static async create(finalPath: string, settings: PartFileSettings): Promise<PartFile> {
    const tempPath = temporaryPathFor(finalPath);
    let handle: FileHandle;
    try {
      handle = await open(tempPath, 'wx');
    } catch (error) {
      throw new EtlError(
        `${finalPath}: creating temporary file ${tempPath} failed: ${errorMessage(error)}`,
        'E_WRITE',
        { cause: error },
      );
    }
    const encoder = settings.pool
      ? new WorkerPartFileEncoder(settings.pool, handle.fd, settings.encoding)
      : new LocalPartFileEncoder(handle, settings.encoding);
    return new PartFile(finalPath, tempPath, handle, encoder);
  }

  /**
   * Encodes `rows` rows (one chunk per column) as one row group. With the encode worker this
   * resolves once the group is handed over; a failure then surfaces on a later call or `finish`.
   */
  async writeRowGroup(chunks: ColumnChunk[], rows: number): Promise<void> {
    try {
      await this.encoder.writeRowGroup(chunks, rows);
    } catch (error) {
      throw writeError('writing a row group', this, error);
    }
    this.rows += rows;
    this.rowGroups++;
  }

  /** Writes the footer, fsyncs and closes the file; it stays under its temporary name. */
  async finish(): Promise<void> {
    let bytes: number;
    try {
      bytes = await this.encoder.finish();
    } catch (error) {
      await this.encoder.drop();
      await this.handle.close().catch(() => {});
      this.closed = true;
      throw writeError('finishing the file', this, error);
    }
    try {
      // Once per file, not per row group: the file must be on disk before a commit names it.
      await this.handle.sync();
      await this.handle.close();
    } catch (error) {
      await this.handle.close().catch(() => {});
      throw writeError('finishing the file', this, error);
    } finally {
      this.closed = true;
    }
    this.finished = true;
    this.bytes = bytes;
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
      // The worker may still hold the descriptor: let it go before closing.
      await this.encoder.drop();
      await this.handle.close().catch(() => {});
    }
    await unlink(this.tempPath).catch(() => {});
  }
}
