/**
 * Column buffers of encoded row groups, kept for the next row groups. A row group of 30 columns
 * needs ~15 MB of typed arrays; allocating (and zero-filling) that afresh for every group, and
 * leaving the old memory to the garbage collector, cost time and made the process hold far more
 * memory than it used. The encoder hands the buffers back (from the worker, transferred) once it
 * is done with them.
 *
 * Reused buffers are not zeroed: column buffers write every row they hand over, and only those.
 */

/** Most bytes kept for reuse; buffers beyond that are left to the garbage collector. */
const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/**
 * Smaller buffers are not kept: they cost little to allocate, and thousands of partitions holding a
 * few rows each would otherwise fill the pool with tiny buffers (each with its object and
 * allocation overhead) that are rarely asked for again.
 */
const MIN_POOLED_BYTES = 16 * 1024;
/** A request may be served by a buffer up to this many times its size (sizes double as buffers grow). */
const MAX_OVERSIZE = 4;

class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private bytes = 0;

  /**
   * A buffer of at least `byteLength` bytes (of exactly that size when a new one is needed):
   * the smallest free one that is not more than {@link MAX_OVERSIZE} times too big.
   */
  take(byteLength: number): ArrayBuffer {
    if (byteLength < MIN_POOLED_BYTES) return new ArrayBuffer(byteLength);
    let best = -1;
    for (const [size, list] of this.free) {
      if (list.length === 0 || size < byteLength || size > byteLength * MAX_OVERSIZE) continue;
      if (best < 0 || size < best) best = size;
      if (size === byteLength) break;
    }
    if (best < 0) return new ArrayBuffer(byteLength);
    this.bytes -= best;
    return this.free.get(best)!.pop()!;
  }

  /** Keeps `buffer` for reuse (a detached or empty buffer is ignored). */
  give(buffer: ArrayBuffer): void {
    const n = buffer.byteLength;
    if (n < MIN_POOLED_BYTES || this.bytes + n > MAX_POOLED_BYTES) return;
    let list = this.free.get(n);
    if (list === undefined) this.free.set(n, (list = []));
    list.push(buffer);
    this.bytes += n;
  }
}

/** The pool of this thread's column buffers. */
export const columnBufferPool = new BufferPool();
