/**
 * hyparquet's `AsyncBuffer` over one open file handle: every slice is a positioned read, so a
 * file is never loaded whole (hyparquet asks for the footer, then one row group's column chunks).
 * The footer read is the file's tail (up to 512 KiB): it is kept so that small files, which it
 * covers entirely, are not read from disk twice.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { EtlError } from '@etl/core';
import type { AsyncBuffer } from 'hyparquet';

export class FileAsyncBuffer implements AsyncBuffer {
  /** Bytes read from disk so far. */
  bytesRead = 0;
  private tail: Uint8Array | undefined;
  private tailStart = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly byteLength: number,
  ) {}

  /** Opens `path` for reading; the caller must `close()` it. */
  static async open(path: string): Promise<FileAsyncBuffer> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      return new FileAsyncBuffer(path, handle, size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async slice(start: number, end: number = this.byteLength): Promise<ArrayBuffer> {
    if (!(start >= 0 && end >= start && end <= this.byteLength)) {
      throw new RangeError(
        `${this.path}: byte range [${start}, ${end}) is outside the file (${this.byteLength} bytes)`,
      );
    }
    if (this.tail && start >= this.tailStart) {
      return this.tail.slice(start - this.tailStart, end - this.tailStart).buffer;
    }
    const length = end - start;
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(out, filled, length - filled, start + filled);
      if (bytesRead === 0) {
        throw new EtlError(
          `${this.path}: file ended at byte ${start + filled}, expected ${end} (truncated?)`,
          'E_PARQUET',
        );
      }
      filled += bytesRead;
    }
    this.bytesRead += length;
    if (end === this.byteLength && !this.tail) {
      this.tail = out;
      this.tailStart = start;
    }
    return out.buffer;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
