/**
 * One side of an order book: price keys in ascending order with the best level at the END, stored
 * as a short list of sorted chunks (a two-level B-tree). Bids are keyed by price and asks by the
 * negated price, so one structure serves both sides.
 *
 * Why chunks: real Coinbase updates land a few hundred levels below the top (median ~230, p90
 * ~2,900 in the BTC-USD fixture). In one flat sorted array every insert or delete there shifts all
 * the levels above it; in chunks of at most {@link CHUNK} levels it shifts at most one chunk. A
 * lookup gallops over the chunks' last keys from the top, then bisects inside one chunk.
 *
 * Why chunks grow: a segment may hold thousands of products with a handful of levels each, so a
 * chunk starts at {@link MIN_CAPACITY} levels and doubles when full up to {@link CHUNK} (the check
 * is the one compare an insert already made; growth is rare and amortised), and a book's memory
 * follows the levels it holds rather than 8 KB of fixed arrays per product.
 */

/** Most levels per chunk; a full chunk of this size splits in two. */
const CHUNK = 256;
/** Levels per chunk when a snapshot is loaded: room to grow before the first split. */
const FILL = CHUNK / 2;
/** Capacity of a new chunk holding few levels (a power of two dividing {@link CHUNK}). */
const MIN_CAPACITY = 16;
/** Shared by every side that is not loading a snapshot (never written: `append` grows first). */
const NO_LEVELS = new Float64Array(0);

class Chunk {
  keys: Float64Array;
  sizes: Float64Array;
  n = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  /** Doubles the capacity (below {@link CHUNK}), keeping the levels. */
  grow(): void {
    const capacity = Math.min(CHUNK, this.keys.length * 2);
    const keys = new Float64Array(capacity);
    const sizes = new Float64Array(capacity);
    keys.set(this.keys.subarray(0, this.n));
    sizes.set(this.sizes.subarray(0, this.n));
    this.keys = keys;
    this.sizes = sizes;
  }
}

/** Capacity for a chunk that starts with `levels` levels: twice that, as a power of two, within bounds. */
function capacityFor(levels: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity < 2 * levels && capacity < CHUNK) capacity *= 2;
  return capacity;
}

export class BookSideLevels {
  /** Ascending; the best level is the last one of the last chunk. */
  private chunks: Chunk[] = [];
  /** lastKeys[j] = the largest key of chunks[j]. */
  private lastKeys: number[] = [];
  /** Number of levels. */
  count = 0;
  /** Set while a snapshot loads: `set` appends to flat buffers, `finishLoad` sorts once. */
  loading = false;
  private loadKeys: Float64Array = NO_LEVELS;
  private loadSizes: Float64Array = NO_LEVELS;
  private loadCount = 0;

  constructor(readonly sign: 1 | -1) {}

  clear(): void {
    this.chunks = [];
    this.lastKeys = [];
    this.count = 0;
    this.loading = false;
    this.loadCount = 0;
  }

  /** Index of the chunk that holds `key` or where it belongs (the last chunk for a new best). */
  private chunkFor(key: number): number {
    const last = this.lastKeys;
    const m = last.length;
    if (last[m - 1]! < key) return m - 1;
    let hi = m - 1;
    let step = 1;
    let lo = hi - step;
    while (lo >= 0 && last[lo]! >= key) {
      hi = lo;
      step <<= 1;
      lo = hi - step;
    }
    if (lo < -1) lo = -1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (last[mid]! >= key) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /** Sets a level by key; size 0 deletes. Returns false for a delete of an absent level. */
  set(price: number, size: number): boolean {
    const key = price * this.sign;
    if (this.loading) {
      this.append(key, size);
      return true;
    }
    if (this.chunks.length === 0) {
      if (size === 0) return false;
      const c = new Chunk(MIN_CAPACITY);
      c.keys[0] = key;
      c.sizes[0] = size;
      c.n = 1;
      this.chunks.push(c);
      this.lastKeys.push(key);
      this.count = 1;
      return true;
    }
    let j = this.chunkFor(key);
    let c = this.chunks[j]!;
    let i = lowerBound(c.keys, c.n, key);
    if (i < c.n && c.keys[i] === key) {
      if (size !== 0) {
        c.sizes[i] = size;
        return true;
      }
      this.removeAt(j, c, i);
      return true;
    }
    if (size === 0) return false;
    if (c.n === c.keys.length) {
      if (c.n < CHUNK) c.grow();
      else {
        this.split(j);
        if (key > this.lastKeys[j]!) {
          j++;
          c = this.chunks[j]!;
          i = lowerBound(c.keys, c.n, key);
        }
      }
    }
    const n = c.n;
    if (i < n) {
      c.keys.copyWithin(i + 1, i, n);
      c.sizes.copyWithin(i + 1, i, n);
    } else this.lastKeys[j] = key;
    c.keys[i] = key;
    c.sizes[i] = size;
    c.n = n + 1;
    this.count++;
    return true;
  }

  private removeAt(j: number, c: Chunk, i: number): void {
    const n = c.n - 1;
    c.keys.copyWithin(i, i + 1, n + 1);
    c.sizes.copyWithin(i, i + 1, n + 1);
    c.n = n;
    this.count--;
    if (n === 0) {
      this.chunks.splice(j, 1);
      this.lastKeys.splice(j, 1);
    } else if (i === n) this.lastKeys[j] = c.keys[n - 1]!;
  }

  /** Moves the upper half of a full chunk into a new chunk right after it. */
  private split(j: number): void {
    const c = this.chunks[j]!;
    const half = c.n >> 1;
    const d = new Chunk(CHUNK);
    d.keys.set(c.keys.subarray(half, c.n));
    d.sizes.set(c.sizes.subarray(half, c.n));
    d.n = c.n - half;
    c.n = half;
    this.chunks.splice(j + 1, 0, d);
    this.lastKeys.splice(j + 1, 0, d.keys[d.n - 1]!);
    this.lastKeys[j] = c.keys[half - 1]!;
  }

  private append(key: number, size: number): void {
    if (this.loadCount === this.loadKeys.length) {
      const cap = Math.max(1024, this.loadKeys.length * 2);
      const keys = new Float64Array(cap);
      const sizes = new Float64Array(cap);
      keys.set(this.loadKeys);
      sizes.set(this.loadSizes);
      this.loadKeys = keys;
      this.loadSizes = sizes;
    }
    this.loadKeys[this.loadCount] = key;
    this.loadSizes[this.loadCount] = size;
    this.loadCount++;
  }

  /**
   * Ends a snapshot load: orders the appended levels, keeps the last size of a repeated price,
   * drops zero sizes and cuts the result into half-full chunks. Input in book order (or its
   * reverse) costs one pass; any other order a sort.
   */
  finishLoad(): void {
    this.loading = false;
    let keys = this.loadKeys;
    let sizes = this.loadSizes;
    let n = this.loadCount;
    // The buffers are only needed while loading; a deep book should not keep them twice.
    this.loadKeys = NO_LEVELS;
    this.loadSizes = NO_LEVELS;
    this.loadCount = 0;
    let ascending = true;
    let descending = true;
    for (let i = 1; i < n && (ascending || descending); i++) {
      const d = keys[i]! - keys[i - 1]!;
      if (d <= 0) ascending = false;
      if (d >= 0) descending = false;
    }
    if (descending && n > 1) {
      keys.subarray(0, n).reverse();
      sizes.subarray(0, n).reverse();
    } else if (!ascending) {
      [keys, sizes, n] = sortDedupe(keys, sizes, n);
    }
    this.chunks = [];
    this.lastKeys = [];
    this.count = 0;
    let c: Chunk | null = null;
    for (let i = 0; i < n; i++) {
      const s = sizes[i]!;
      if (s === 0) continue;
      if (c === null || c.n === FILL) {
        c = new Chunk(capacityFor(Math.min(FILL, n - i)));
        this.chunks.push(c);
        this.lastKeys.push(0);
      }
      c.keys[c.n] = keys[i]!;
      c.sizes[c.n] = s;
      c.n++;
      this.lastKeys[this.lastKeys.length - 1] = keys[i]!;
      this.count++;
    }
  }

  /** Levels the side has room for without allocating (its memory is 16 bytes per slot). */
  capacity(): number {
    let slots = 0;
    for (const c of this.chunks) slots += c.keys.length;
    return slots;
  }

  /** Key of the i-th level from the top (0 = best); NaN beyond the side. */
  keyAt(i: number): number {
    if (i < 0 || i >= this.count) return Number.NaN;
    for (let j = this.chunks.length - 1; j >= 0; j--) {
      const c = this.chunks[j]!;
      if (i < c.n) return c.keys[c.n - 1 - i]!;
      i -= c.n;
    }
    return Number.NaN;
  }

  /** Size of the i-th level from the top (0 = best); NaN beyond the side. */
  sizeAt(i: number): number {
    if (i < 0 || i >= this.count) return Number.NaN;
    for (let j = this.chunks.length - 1; j >= 0; j--) {
      const c = this.chunks[j]!;
      if (i < c.n) return c.sizes[c.n - 1 - i]!;
      i -= c.n;
    }
    return Number.NaN;
  }

  bestKey(): number {
    const c = this.chunks[this.chunks.length - 1];
    return c === undefined ? Number.NaN : c.keys[c.n - 1]!;
  }

  bestSize(): number {
    const c = this.chunks[this.chunks.length - 1];
    return c === undefined ? Number.NaN : c.sizes[c.n - 1]!;
  }

  /** Calls `visit(key, size)` for every level, best first (checkpoints; not for hot paths). */
  forEachFromTop(visit: (key: number, size: number) => void): void {
    for (let j = this.chunks.length - 1; j >= 0; j--) {
      const c = this.chunks[j]!;
      for (let i = c.n - 1; i >= 0; i--) visit(c.keys[i]!, c.sizes[i]!);
    }
  }

  /** Sum of the sizes of the best `levels` levels. */
  sumTop(levels: number): number {
    let sum = 0;
    let left = levels;
    for (let j = this.chunks.length - 1; j >= 0 && left > 0; j--) {
      const c = this.chunks[j]!;
      const stop = Math.max(0, c.n - left);
      for (let i = c.n - 1; i >= stop; i--) sum += c.sizes[i]!;
      left -= c.n - stop;
    }
    return sum;
  }

  /** Sum of the sizes of the levels whose key is >= `bound` (a band below the top). */
  sumAtLeast(bound: number): number {
    let sum = 0;
    for (let j = this.chunks.length - 1; j >= 0; j--) {
      const c = this.chunks[j]!;
      for (let i = c.n - 1; i >= 0; i--) {
        if (c.keys[i]! < bound) return sum;
        sum += c.sizes[i]!;
      }
    }
    return sum;
  }

  /** Removes the best level while its key is >= `key`; returns how many went. */
  removeFromTopWhileAtLeast(key: number): number {
    let removed = 0;
    while (this.chunks.length > 0) {
      const j = this.chunks.length - 1;
      const c = this.chunks[j]!;
      if (c.keys[c.n - 1]! < key) break;
      this.removeAt(j, c, c.n - 1);
      removed++;
    }
    return removed;
  }
}

/** First index in keys[0, n) whose key is >= `key`, galloping down from the end (the top). */
function lowerBound(keys: Float64Array, n: number, key: number): number {
  if (n === 0 || keys[n - 1]! < key) return n;
  let hi = n - 1;
  let step = 1;
  let lo = hi - step;
  while (lo >= 0 && keys[lo]! >= key) {
    hi = lo;
    step <<= 1;
    lo = hi - step;
  }
  if (lo < -1) lo = -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! >= key) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Sorts by key, keeping the last size of a repeated key (arrival order breaks ties). */
function sortDedupe(
  keys: Float64Array,
  sizes: Float64Array,
  n: number,
): [Float64Array, Float64Array, number] {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  const sortedKeys = new Float64Array(n);
  const sortedSizes = new Float64Array(n);
  let m = 0;
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    const k = keys[src]!;
    if (m > 0 && sortedKeys[m - 1] === k) sortedSizes[m - 1] = sizes[src]!;
    else {
      sortedKeys[m] = k;
      sortedSizes[m] = sizes[src]!;
      m++;
    }
  }
  return [sortedKeys, sortedSizes, m];
}
