/**
 * Memory the encoder reuses from one column chunk to the next (a thread encodes one chunk at a
 * time). Allocating these arrays afresh for every chunk and dropping them made the allocator
 * fragment: the process kept tens of MB it did not use.
 */
export class ScratchMemory {
  private buffer = new ArrayBuffer(0);

  /** At least `byteLength` bytes, valid until the next call. Contents are not cleared. */
  bytes(byteLength: number): ArrayBuffer {
    if (this.buffer.byteLength < byteLength) {
      let size = Math.max(this.buffer.byteLength, 1 << 16);
      while (size < byteLength) size *= 2;
      this.buffer = new ArrayBuffer(size);
    }
    return this.buffer;
  }
}
