/**
 * The two ways a part file gets encoded: on the session's own thread (bytes flushed through an
 * async file handle), or on the shared encode worker (which writes to the same descriptor).
 * Either way a failure is reported as an {@link EncodeFailure} naming the operation.
 */
import type { FileHandle } from 'node:fs/promises';
import { columnBufferPool } from './buffer-pool.js';
import { type ColumnChunk, transferablesOf } from './column-chunk.js';
import type { EncodePool } from './encode-pool.js';
import { type FileEncodingSpec, ParquetFileEncoder } from './parquet-file-encoder.js';
import { ParquetFileSink } from './parquet-file-sink.js';

/** What failed ('writing a row group', 'finishing the file') and why. */
export class EncodeFailure extends Error {
  constructor(
    readonly what: string,
    readonly reason: unknown,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

export interface PartFileEncoder {
  /** Resolves when the caller may go on (the group may still be encoding on a worker). */
  writeRowGroup(chunks: ColumnChunk[], rows: number): Promise<void>;
  /** Writes the footer once every row group is out; resolves with the file size. */
  finish(): Promise<number>;
  /** Stops using the file; after this nothing is written to it. Never throws. */
  drop(): Promise<void>;
}

/** Encodes on the calling thread, one row group at a time, then writes it out. */
export class LocalPartFileEncoder implements PartFileEncoder {
  private readonly sink: ParquetFileSink;
  private readonly encoder: ParquetFileEncoder;

  constructor(handle: FileHandle, spec: FileEncodingSpec) {
    this.sink = new ParquetFileSink(handle);
    this.encoder = new ParquetFileEncoder(this.sink, spec);
  }

  async writeRowGroup(chunks: ColumnChunk[], rows: number): Promise<void> {
    try {
      this.encoder.writeRowGroup(chunks, rows);
      await this.sink.flush();
    } catch (error) {
      throw new EncodeFailure('writing a row group', error);
    }
    for (const buffer of transferablesOf(chunks)) columnBufferPool.give(buffer);
  }

  async finish(): Promise<number> {
    try {
      this.encoder.finish();
      await this.sink.finish();
    } catch (error) {
      throw new EncodeFailure('finishing the file', error);
    }
    return this.sink.offset;
  }

  async drop(): Promise<void> {}
}

/** Hands row groups to the shared worker; the first failure is kept and rethrown. */
export class WorkerPartFileEncoder implements PartFileEncoder {
  private readonly file: number;
  private readonly outstanding: Promise<void>[] = [];
  private failure: EncodeFailure | undefined;

  constructor(
    private readonly pool: EncodePool,
    fd: number,
    spec: FileEncodingSpec,
  ) {
    this.file = pool.fileId();
    this.track('opening the file', pool.request({ op: 'open', file: this.file, fd, spec }));
  }

  private track(what: string, reply: Promise<{ error?: string }>): void {
    this.outstanding.push(
      reply.then(
        (r) => {
          if (r.error !== undefined) this.failure ??= new EncodeFailure(what, new Error(r.error));
        },
        (error: unknown) => {
          this.failure ??= new EncodeFailure(what, error);
        },
      ),
    );
  }

  async writeRowGroup(chunks: ColumnChunk[], rows: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.track('writing a row group', this.pool.request({ op: 'rows', file: this.file, rows, chunks }));
    // Keep the list short: settled entries are no longer needed.
    if (this.outstanding.length > 64) await Promise.all(this.outstanding.splice(0, 32));
    await this.pool.room();
    if (this.failure) throw this.failure;
  }

  async finish(): Promise<number> {
    await Promise.all(this.outstanding.splice(0));
    if (this.failure) throw this.failure;
    let reply: { error?: string; bytes?: number };
    try {
      reply = await this.pool.request({ op: 'finish', file: this.file });
    } catch (error) {
      throw new EncodeFailure('finishing the file', error);
    }
    if (reply.error !== undefined) throw new EncodeFailure('finishing the file', new Error(reply.error));
    return reply.bytes ?? 0;
  }

  async drop(): Promise<void> {
    await Promise.all(this.outstanding.splice(0));
    await this.pool.request({ op: 'drop', file: this.file }).catch(() => {});
  }
}
