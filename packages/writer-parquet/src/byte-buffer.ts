/**
 * A growable byte buffer for assembling one page at a time. It is reused for every page of a
 * file, so encoding allocates nothing per page once it has grown to the largest page.
 */
export class ByteBuffer {
  bytes: Uint8Array;
  length = 0;

  constructor(initialSize = 1 << 16) {
    this.bytes = new Uint8Array(initialSize);
  }

  reset(): void {
    this.length = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** The bytes written so far (a view, valid until the next write or reset). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  u32le(value: number): void {
    this.ensure(4);
    const b = this.bytes;
    const i = this.length;
    b[i] = value & 0xff;
    b[i + 1] = (value >>> 8) & 0xff;
    b[i + 2] = (value >>> 16) & 0xff;
    b[i + 3] = (value >>> 24) & 0xff;
    this.length = i + 4;
  }

  /** Unsigned LEB128 of a non-negative 32-bit integer. */
  varint(value: number): void {
    this.ensure(5);
    const b = this.bytes;
    let v = value >>> 0;
    while (v > 0x7f) {
      b[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.length++] = v;
  }

  append(source: Uint8Array): void {
    this.ensure(source.length);
    this.bytes.set(source, this.length);
    this.length += source.length;
  }
}
