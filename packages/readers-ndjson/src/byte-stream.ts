/**
 * The decompressed bytes of one file, as a stream of chunks. Compression is chosen by file
 * extension. Failures are tagged with where they happened (reading the file or decompressing
 * it) so the reader can report them with the file name and the line reached.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Compression of a file from its name: `.gz` → gzip, `.zst` → zstd, anything else → none. */
export function compressionOf(path: string): Compression {
  const lower = path.toLowerCase();
  if (lower.endsWith('.gz')) return 'gzip';
  if (lower.endsWith('.zst')) return 'zstd';
  return 'none';
}

/** A failure below the line level: reading the file or decompressing it. */
export class ByteStreamError extends Error {
  constructor(
    readonly stage: 'read' | 'decompress',
    readonly compression: Compression,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ByteStreamError';
  }
}

/** Bytes taken from disk so far, before decompression. */
export interface ByteStreamProgress {
  fileBytes: number;
  /** Sees every chunk as read from disk (before decompression), synchronously, before it is reused. */
  readonly onFileChunk?: ((chunk: Uint8Array) => void) | undefined;
}

/** Decompressed chunks of an open file. The caller owns (and closes) the handle. */
export function byteChunks(
  handle: FileHandle,
  compression: Compression,
  highWaterMark: number,
  progress: ByteStreamProgress,
  /** First byte to read (plain files only; a compressed stream starts at 0). */
  start = 0,
): AsyncIterable<Buffer> {
  // Decompressors may hold on to their input: only the plain reader's consumer gets one buffer
  // reused for every read.
  const raw = fileChunks(handle, highWaterMark, progress, compression, compression === 'none', start);
  if (compression === 'gzip') return gunzipChunks(raw, highWaterMark);
  if (compression === 'zstd') return zstdChunks(raw);
  return raw;
}

async function* fileChunks(
  handle: FileHandle,
  highWaterMark: number,
  progress: ByteStreamProgress,
  compression: Compression,
  reuse: boolean,
  start: number,
): AsyncGenerator<Buffer> {
  let position = start;
  // With `reuse`, one buffer serves every read: the consumer (the line splitter) copies what it
  // keeps of a chunk before it asks for the next one. A fresh megabyte per read left the
  // allocator fragmented and the process holding tens of MB it did not use.
  let buf = Buffer.allocUnsafe(highWaterMark);
  for (let first = true; ; first = false) {
    if (!first && !reuse) buf = Buffer.allocUnsafe(highWaterMark);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buf, 0, highWaterMark, position));
    } catch (error) {
      throw new ByteStreamError('read', compression, error);
    }
    if (bytesRead === 0) return;
    position += bytesRead;
    progress.fileBytes += bytesRead;
    progress.onFileChunk?.(buf.subarray(0, bytesRead));
    yield bytesRead < highWaterMark ? buf.subarray(0, bytesRead) : buf;
  }
}

async function* gunzipChunks(raw: AsyncIterable<Buffer>, highWaterMark: number): AsyncGenerator<Buffer> {
  // zlib's minimum chunk size is 64 bytes.
  const gunzip = createGunzip({ chunkSize: Math.max(64, highWaterMark) });
  const feeding = pipeline(Readable.from(raw, { objectMode: false }), gunzip);
  // pipeline's rejection is the same error the iteration below sees; only one of them is reported.
  feeding.catch(ignoreRejection);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw error instanceof ByteStreamError ? error : new ByteStreamError('decompress', 'gzip', error);
  }
}

async function* zstdChunks(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const blocks: Uint8Array[] = [];
  const decoder = new Decompress((data: Uint8Array) => {
    if (data.length > 0) blocks.push(data);
  });
  for await (const chunk of raw) {
    push(decoder, chunk, false);
    for (let i = 0; i < blocks.length; i++) yield asBuffer(blocks[i]!);
    blocks.length = 0;
  }
  push(decoder, new Uint8Array(0), true);
  for (let i = 0; i < blocks.length; i++) yield asBuffer(blocks[i]!);
  blocks.length = 0;
}

function push(decoder: Decompress, chunk: Uint8Array, final: boolean): void {
  try {
    decoder.push(chunk, final);
  } catch (error) {
    throw new ByteStreamError('decompress', 'zstd', error);
  }
}

/** fzstd hands out fresh Uint8Arrays; view them as Buffers without copying. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function ignoreRejection(): void {}

/**
 * Where the first line beginning at or after `start` begins: just past the first LF at or after
 * `start - 1` (the file's size when there is none). Lines that begin before `start` belong to
 * whoever reads the bytes before it.
 */
export async function lineStartAtOrAfter(handle: FileHandle, start: number): Promise<number> {
  if (start <= 0) return 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  let position = start - 1;
  for (;;) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buf, 0, buf.length, position));
    } catch (error) {
      throw new ByteStreamError('read', 'none', error);
    }
    if (bytesRead === 0) return position;
    const lf = buf.subarray(0, bytesRead).indexOf(10);
    if (lf >= 0) return position + lf + 1;
    position += bytesRead;
  }
}
