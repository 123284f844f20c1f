/**
 * Dictionaries of fixed-width values (doubles, int64, int32) keyed by their bit patterns: an
 * open-addressing table over 32-bit lanes, so no value is boxed and no bigint is created. Bit
 * patterns also keep `-0` apart from `0` and every NaN payload as written.
 */

import { ScratchMemory } from './scratch-memory.js';

const tableMemory = new ScratchMemory();
const firstsMemory = new ScratchMemory();
const indexMemory = new ScratchMemory();

/** Valid until the next dictionary is built on this thread. */
export interface NumericDictionary {
  /** Dictionary index of each value. */
  readonly indexes: Int32Array;
  /** Position (in the input) of each dictionary entry's first occurrence. */
  readonly firsts: Int32Array;
  readonly size: number;
}

function tableSizeFor(entries: number): number {
  let size = 16;
  while (size < entries * 2) size *= 2;
  return size;
}

/**
 * Dictionary of `count` values stored as `lanes` 32-bit lanes each (1 for int32, 2 for 64-bit
 * values) in `words`. Returns undefined as soon as more than `maxEntries` distinct values show up.
 */
export function buildNumericDictionary(
  words: Int32Array,
  lanes: 1 | 2,
  count: number,
  maxEntries: number,
): NumericDictionary | undefined {
  const tableSize = tableSizeFor(Math.min(maxEntries, count) + 1);
  const mask = tableSize - 1;
  const table = new Int32Array(tableMemory.bytes(tableSize * 4), 0, tableSize).fill(-1);
  const firstsLength = Math.min(maxEntries, count) + 1;
  const firsts = new Int32Array(firstsMemory.bytes(firstsLength * 4), 0, firstsLength);
  const indexes = new Int32Array(indexMemory.bytes(count * 4), 0, count);
  let size = 0;
  let previousLo = 0;
  let previousHi = 0;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const lo = words[i * lanes]!;
    const hi = lanes === 2 ? words[i * 2 + 1]! : 0;
    // Runs are common (every row of a message repeats its timestamps and book values).
    if (previous >= 0 && lo === previousLo && hi === previousHi) {
      indexes[i] = previous;
      continue;
    }
    let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    let slot = h & mask;
    previousLo = lo;
    previousHi = hi;
    for (;;) {
      const entry = table[slot]!;
      if (entry < 0) {
        if (size === maxEntries) return undefined;
        table[slot] = size;
        firsts[size] = i;
        previous = size;
        indexes[i] = size++;
        break;
      }
      const at = firsts[entry]! * lanes;
      if (words[at] === lo && (lanes === 1 || words[at + 1] === hi)) {
        indexes[i] = entry;
        previous = entry;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { indexes, firsts: firsts.subarray(0, size), size };
}
