/**
 * hyparquet's `AsyncBuffer` over one object of an `ObjectStorage` (an S3 bucket): every slice is
 * a byte-range read, so an object is never downloaded whole (hyparquet asks for the footer, then
 * the column chunks of one row group). The footer read (the object's tail) is kept, as
 * `FileAsyncBuffer` does, so small objects are not fetched twice.
 */
import type { ObjectStorage } from '@etl/core';
import type { AsyncBuffer } from 'hyparquet';

export class ObjectAsyncBuffer implements AsyncBuffer {
  /** Bytes fetched so far. */
  bytesRead = 0;
  private tail: Uint8Array | undefined;
  private tailStart = 0;

  private constructor(
    private readonly storage: ObjectStorage,
    private readonly key: string,
    readonly byteLength: number,
  ) {}

  /** The object's location for messages: `s3://bucket/prefix/key`. */
  get path(): string {
    return `${this.storage.location}/${this.key}`;
  }

  static async open(storage: ObjectStorage, key: string, size?: number): Promise<ObjectAsyncBuffer> {
    const byteLength = size ?? (await storage.stat(key))?.size;
    if (byteLength === undefined) throw new Error(`${storage.location}/${key}: no such object`);
    return new ObjectAsyncBuffer(storage, key, byteLength);
  }

  async slice(start: number, end: number = this.byteLength): Promise<ArrayBuffer> {
    if (!(start >= 0 && end >= start && end <= this.byteLength)) {
      throw new RangeError(
        `${this.path}: byte range [${start}, ${end}) is outside the object (${this.byteLength} bytes)`,
      );
    }
    if (this.tail && start >= this.tailStart) {
      return this.tail.slice(start - this.tailStart, end - this.tailStart).buffer;
    }
    const bytes = await this.storage.readRange(this.key, start, end);
    this.bytesRead += bytes.byteLength;
    // A copy that owns its buffer: hyparquet reads `.buffer` from offset 0.
    const own =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    if (end === this.byteLength && !this.tail) {
      this.tail = own;
      this.tailStart = start;
    }
    return own.buffer as ArrayBuffer;
  }

  async close(): Promise<void> {}
}
