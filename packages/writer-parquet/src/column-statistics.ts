/**
 * Min/max statistics of a column chunk, computed on typed arrays, in the shape hyparquet-writer's
 * footer serialiser expects. Same rules as hyparquet-writer: NaN is skipped and counted, a zero
 * minimum is written as -0 and a zero maximum as +0, strings compare by their UTF-8 bytes.
 */

export interface ChunkStatistics {
  min_value?: number | bigint | boolean | string;
  max_value?: number | bigint | boolean | string;
  null_count: bigint;
  nan_count?: bigint;
}

export function doubleStatistics(values: Float64Array, count: number, nulls: number): ChunkStatistics {
  let min = Number.NaN;
  let max = Number.NaN;
  let nan = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (!(v >= min)) min = v;
    if (!(v <= max)) max = v;
  }
  const stats: ChunkStatistics = { null_count: BigInt(nulls), nan_count: BigInt(nan) };
  if (!Number.isNaN(min)) {
    stats.min_value = min === 0 ? -0 : min;
    stats.max_value = max === 0 ? 0 : max;
  }
  return stats;
}

export function int32Statistics(values: Int32Array, count: number, nulls: number): ChunkStatistics {
  const stats: ChunkStatistics = { null_count: BigInt(nulls) };
  if (count === 0) return stats;
  let min = values[0]!;
  let max = min;
  for (let i = 1; i < count; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  stats.min_value = min;
  stats.max_value = max;
  return stats;
}

/** int64 values compared through their 32-bit halves, so no bigint is made per value. */
export function int64Statistics(values: BigInt64Array, count: number, nulls: number): ChunkStatistics {
  const stats: ChunkStatistics = { null_count: BigInt(nulls) };
  if (count === 0) return stats;
  const words = new Int32Array(values.buffer, values.byteOffset, count * 2);
  let minAt = 0;
  let maxAt = 0;
  let minHi = words[1]!;
  let minLo = words[0]! >>> 0;
  let maxHi = minHi;
  let maxLo = minLo;
  for (let i = 1; i < count; i++) {
    const hi = words[i * 2 + 1]!;
    const lo = words[i * 2]! >>> 0;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
      minAt = i;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxHi = hi;
      maxLo = lo;
      maxAt = i;
    }
  }
  stats.min_value = values[minAt]!;
  stats.max_value = values[maxAt]!;
  return stats;
}

export function boolStatistics(values: Uint8Array, count: number, nulls: number): ChunkStatistics {
  const stats: ChunkStatistics = { null_count: BigInt(nulls) };
  if (count === 0) return stats;
  const hasFalse = values.subarray(0, count).indexOf(0) >= 0;
  const hasTrue = values.subarray(0, count).indexOf(1) >= 0;
  stats.min_value = !hasFalse;
  stats.max_value = hasTrue;
  return stats;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** Over the distinct strings a chunk uses (`used[i]` false skips entry i). */
export function stringStatistics(
  dictionary: readonly string[],
  encoded: readonly Uint8Array[],
  used: Uint8Array | null,
  nulls: number,
): ChunkStatistics {
  const stats: ChunkStatistics = { null_count: BigInt(nulls) };
  let minAt = -1;
  let maxAt = -1;
  for (let i = 0; i < encoded.length; i++) {
    if (used && used[i] === 0) continue;
    const bytes = encoded[i]!;
    if (minAt < 0 || compareBytes(bytes, encoded[minAt]!) < 0) minAt = i;
    if (maxAt < 0 || compareBytes(bytes, encoded[maxAt]!) > 0) maxAt = i;
  }
  if (minAt >= 0) {
    stats.min_value = dictionary[minAt]!;
    stats.max_value = dictionary[maxAt]!;
  }
  return stats;
}
