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
  /** Resolves once nothing is being written to the current descriptor (so it may be closed). */
  settle(): Promise<void>;
  /** Writes go to `handle` from now on (the file was reopened in append mode). */
  reattach(handle: FileHandle): void;
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

  // Every write is awaited before the call that made it returns.
  async settle(): Promise<void> {}

  reattach(handle: FileHandle): void {
    this.sink.handle = handle;
  }
}

/** Ids of the specs posted to the worker (one per session's spec object). */
const specIds = new WeakMap<FileEncodingSpec, number>();
let nextSpecId = 1;

function specIdOf(spec: FileEncodingSpec): number {
  let id = specIds.get(spec);
  if (id === undefined) specIds.set(spec, (id = nextSpecId++));
  return id;
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
    this.track(
      'opening the file',
      pool.request({ op: 'open', file: this.file, fd, spec, specId: specIdOf(spec) }),
    );
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

  // Every reply means the worker is done with that request's writes.
  async settle(): Promise<void> {
    await Promise.all(this.outstanding.splice(0));
  }

  reattach(handle: FileHandle): void {
    this.track('reopening the file', this.pool.request({ op: 'descriptor', file: this.file, fd: handle.fd }));
  }
}
