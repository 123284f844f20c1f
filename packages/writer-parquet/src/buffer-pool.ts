/**
 * Column buffers of encoded row groups, kept for the next row groups. A row group of 30 columns
 * needs ~15 MB of typed arrays; allocating (and zero-filling) that afresh for every group, and
 * leaving the old memory to the garbage collector, cost more than filling it. The encoder hands
 * the buffers back (from the worker, transferred) once it is done with them.
 *
 * Reused buffers are not zeroed: column buffers write every row they hand over, and only those.
 */

/** Most bytes kept for reuse; buffers beyond that are left to the garbage collector. */
const MAX_POOLED_BYTES = 16 * 1024 * 1024;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private bytes = 0;

  /** A buffer of exactly `byteLength` bytes, reused when one is free. */
  take(byteLength: number): ArrayBuffer {
    const list = this.free.get(byteLength);
    const reused = list?.pop();
    if (reused === undefined) return new ArrayBuffer(byteLength);
    this.bytes -= byteLength;
    return reused;
  }

  /** Keeps `buffer` for reuse (a detached or empty buffer is ignored). */
  give(buffer: ArrayBuffer): void {
    const n = buffer.byteLength;
    if (n === 0 || this.bytes + n > MAX_POOLED_BYTES) return;
    let list = this.free.get(n);
    if (list === undefined) this.free.set(n, (list = []));
    list.push(buffer);
    this.bytes += n;
  }
}

/** The pool of this thread's column buffers. */
export const columnBufferPool = new BufferPool();
