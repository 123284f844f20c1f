/**
 * Planning a column chunk's pages: which encoding (PLAIN, RLE_DICTIONARY, RLE for booleans) by
 * hyparquet-writer's rules, the dictionary page's bytes, the statistics, and how to write the
 * values of any range of rows. {@link writeColumnChunk} then writes the pages.
 */
import type { ByteBuffer } from './byte-buffer.js';
import type { ColumnChunk, StringChunk } from './column-chunk.js';
import type { ColumnSpec, Encoding } from './column-encoder.js';
import {
  boolStatistics,
  type ChunkStatistics,
  doubleStatistics,
  int32Statistics,
  int64Statistics,
  stringStatistics,
} from './column-statistics.js';
import { bitWidthOf, writeRleHybrid } from './rle-hybrid.js';
import { ScratchMemory } from './scratch-memory.js';
import { buildNumericDictionary } from './value-dictionary.js';

const textEncoder = new TextEncoder();

/** What the data pages of a chunk contain, decided before they are written. */
export interface PagePlan {
  readonly encoding: Encoding;
  /** Value bytes of the whole chunk, for splitting into pages. */
  readonly estimatedBytes: number;
  /** Appends the values of `[from, to)` (non-null positions) to `out`. */
  readonly writeValues: (out: ByteBuffer, from: number, to: number) => void;
}

function bytesOf(
  array: Float64Array | Int32Array | BigInt64Array | Uint8Array,
  count: number,
  width: number,
) {
  return new Uint8Array(array.buffer, array.byteOffset, count * width);
}

/** The non-null values of `values`, in order (the array itself when nothing is null). */
const compactMemory = new ScratchMemory();
const entryMemory = new ScratchMemory();

function compact<A extends Float64Array | Int32Array | BigInt64Array | Uint8Array>(
  values: A,
  valid: Uint8Array | null,
  rows: number,
  count: number,
): A {
  if (!valid || count === rows) return values.subarray(0, rows) as A;
  const width = values.BYTES_PER_ELEMENT;
  const out = new (values.constructor as new (b: ArrayBuffer, o: number, n: number) => A)(
    compactMemory.bytes(count * width),
    0,
    count,
  );
  let j = 0;
  for (let i = 0; i < rows; i++) if (valid[i] === 1) (out as unknown as number[])[j++] = values[i] as number;
  return out;
}

function compactBigInts(values: BigInt64Array, valid: Uint8Array | null, rows: number, count: number) {
  if (!valid || count === rows) return values.subarray(0, rows);
  // Copy through the 32-bit halves: reading a BigInt64Array element would allocate a bigint.
  const from = new Int32Array(values.buffer, values.byteOffset, rows * 2);
  const memory = compactMemory.bytes(count * 8);
  const out = new BigInt64Array(memory, 0, count);
  const to = new Int32Array(memory, 0, count * 2);
  let j = 0;
  for (let i = 0; i < rows; i++) {
    if (valid[i] === 1) {
      to[j * 2] = from[i * 2]!;
      to[j * 2 + 1] = from[i * 2 + 1]!;
      j++;
    }
  }
  return out;
}

function dictionaryPlan(indexes: Int32Array, size: number): PagePlan {
  const bitWidth = bitWidthOf(size - 1);
  return {
    encoding: 'RLE_DICTIONARY',
    estimatedBytes: Math.ceil((indexes.length * bitWidth) / 8),
    writeValues: (out, from, to) => {
      out.u8(bitWidth);
      writeRleHybrid(out, indexes, from, to, bitWidth);
    },
  };
}

function fixedPlainPlan(bytes: Uint8Array, width: number): PagePlan {
  return {
    encoding: 'PLAIN',
    estimatedBytes: bytes.length,
    writeValues: (out, from, to) => out.append(bytes.subarray(from * width, to * width)),
  };
}

/** Result of planning a chunk: its pages, its optional dictionary page bytes and statistics. */
export interface ChunkPlan {
  readonly pages: PagePlan;
  readonly dictionary: { readonly bytes: Uint8Array; readonly size: number } | undefined;
  readonly statistics: ChunkStatistics;
}

/** Values looked at before building a dictionary (hyparquet-writer's sample size). */
const SAMPLE_SIZE = 1000;
/** More distinct bytes than this share of a sample: the column is not worth a dictionary. */
const SAMPLE_REJECT_RATIO = 0.9;

/** Positions of an even sample over `count` values, as hyparquet-writer takes it. */
function samplePosition(i: number, sample: number, count: number): number {
  return sample === 1 ? 0 : Math.floor((i * (count - 1)) / (sample - 1));
}

/**
 * hyparquet-writer's sampling rule, kept so sizes stay what they were: values that repeat only
 * next to each other (timestamps, sequence numbers) look distinct in an even sample and stay
 * PLAIN, which zstd compresses better than the bit-packed indexes of a dictionary.
 */
function sampleRejectsDictionary(words: Int32Array, lanes: 1 | 2, count: number): boolean {
  const sample = Math.min(count, SAMPLE_SIZE);
  const picked = new Int32Array(sample * lanes);
  for (let i = 0; i < sample; i++) {
    const at = samplePosition(i, sample, count) * lanes;
    picked[i * lanes] = words[at]!;
    if (lanes === 2) picked[i * 2 + 1] = words[at + 1]!;
  }
  const dict = buildNumericDictionary(picked, lanes, sample, sample);
  return dict !== undefined && dict.size / sample > SAMPLE_REJECT_RATIO;
}

/** Statistics of `count` values of a fixed-width column (`nulls` rows were null). */
type FixedStatistics<A> = (values: A, count: number, nulls: number) => ChunkStatistics;

function planFixed<A extends Float64Array | Int32Array | BigInt64Array>(
  spec: ColumnSpec,
  values: A,
  count: number,
  nulls: number,
  width: 4 | 8,
  statistics: FixedStatistics<A>,
): ChunkPlan {
  const bytes = bytesOf(values, count, width);
  const words = new Int32Array(values.buffer, values.byteOffset, (count * width) / 4);
  const lanes = width === 8 ? 2 : 1;
  const maxEntries = spec.forceDictionary ? count : Math.floor(count / 2);
  const tryDictionary = count > 0 && (spec.forceDictionary || !sampleRejectsDictionary(words, lanes, count));
  const dict = tryDictionary ? buildNumericDictionary(words, lanes, count, maxEntries) : undefined;
  if (dict) {
    const indexBytes = Math.ceil((count * bitWidthOf(dict.size - 1)) / 8);
    if (spec.forceDictionary || 2 * (dict.size * width + indexBytes) <= count * width) {
      const memory = entryMemory.bytes(dict.size * width);
      const entryWords = new Int32Array(memory, 0, dict.size * lanes);
      for (let k = 0; k < dict.size; k++) {
        const at = dict.firsts[k]! * lanes;
        entryWords[k * lanes] = words[at]!;
        if (lanes === 2) entryWords[k * 2 + 1] = words[at + 1]!;
      }
      const entries = new (values.constructor as new (b: ArrayBuffer, o: number, n: number) => A)(
        memory,
        0,
        dict.size,
      );
      // Min and max of the distinct values are those of all values; NaN is counted per value,
      // so a dictionary holding one needs the full pass.
      let stats = statistics(entries, dict.size, nulls);
      if (stats.nan_count !== undefined && stats.nan_count > 0n) stats = statistics(values, count, nulls);
      return {
        pages: dictionaryPlan(dict.indexes, dict.size),
        dictionary: { bytes: new Uint8Array(memory, 0, dict.size * width), size: dict.size },
        statistics: stats,
      };
    }
  }
  return {
    pages: fixedPlainPlan(bytes, width),
    dictionary: undefined,
    statistics: statistics(values, count, nulls),
  };
}

function planBool(values: Uint8Array, count: number, statistics: ChunkStatistics): ChunkPlan {
  return {
    pages: {
      encoding: 'RLE',
      estimatedBytes: Math.ceil(count / 8),
      writeValues: (out, from, to) => {
        // RLE-encoded booleans carry a 4-byte length prefix (data page v2 included).
        const at = out.length;
        out.u32le(0);
        writeRleHybrid(out, values, from, to, 1);
        const length = out.length - at - 4;
        out.length = at;
        out.u32le(length);
        out.length = at + 4 + length;
      },
    },
    dictionary: undefined,
    statistics,
  };
}

/** {@link sampleRejectsDictionary} for strings, weighing each value by its PLAIN bytes. */
function sampleRejectsStrings(encoded: readonly Uint8Array[], indexes: Int32Array): boolean {
  const count = indexes.length;
  const sample = Math.min(count, SAMPLE_SIZE);
  const seen = new Uint8Array(encoded.length);
  let distinct = 0;
  let total = 0;
  for (let i = 0; i < sample; i++) {
    const k = indexes[samplePosition(i, sample, count)]!;
    const size = 4 + encoded[k]!.length;
    total += size;
    if (seen[k] === 0) {
      seen[k] = 1;
      distinct += size;
    }
  }
  return total === 0 || distinct / total > SAMPLE_REJECT_RATIO;
}

function planString(spec: ColumnSpec, chunk: StringChunk, indexes: Int32Array, nulls: number): ChunkPlan {
  let dictionary = chunk.dictionary;
  const counts = new Int32Array(dictionary.length);
  for (let i = 0; i < indexes.length; i++) counts[indexes[i]!]!++;
  if (counts.indexOf(0) >= 0) {
    // A rejected row can leave an entry nobody uses: drop it and renumber.
    const renumber = new Int32Array(dictionary.length);
    const kept: string[] = [];
    for (let k = 0; k < dictionary.length; k++) {
      renumber[k] = kept.length;
      if (counts[k]! > 0) kept.push(dictionary[k]!);
    }
    const remapped = new Int32Array(indexes.length);
    for (let i = 0; i < indexes.length; i++) remapped[i] = renumber[indexes[i]!]!;
    indexes = remapped;
    dictionary = kept;
  }
  const encoded = dictionary.map((s) => textEncoder.encode(s));
  const statistics = stringStatistics(dictionary, encoded, null, nulls);
  let dictionaryBytes = 0;
  for (const bytes of encoded) dictionaryBytes += 4 + bytes.length;
  let plainBytes = 0;
  for (let k = 0; k < encoded.length; k++) plainBytes += counts[k]! * (4 + encoded[k]!.length);
  const indexBytes = Math.ceil((indexes.length * bitWidthOf(dictionary.length - 1)) / 8);
  const worthIt =
    spec.forceDictionary ||
    (!sampleRejectsStrings(encoded, indexes) && 2 * (dictionaryBytes + indexBytes) <= plainBytes);
  if (indexes.length > 0 && worthIt) {
    const entries = new Uint8Array(dictionaryBytes);
    const view = new DataView(entries.buffer);
    let at = 0;
    for (const bytes of encoded) {
      view.setUint32(at, bytes.length, true);
      entries.set(bytes, at + 4);
      at += 4 + bytes.length;
    }
    return {
      pages: dictionaryPlan(indexes, dictionary.length),
      dictionary: { bytes: entries, size: dictionary.length },
      statistics,
    };
  }
  const plain: PagePlan = {
    encoding: 'PLAIN',
    estimatedBytes: plainBytes,
    writeValues: (out, from, to) => {
      for (let i = from; i < to; i++) {
        const bytes = encoded[indexes[i]!]!;
        out.u32le(bytes.length);
        out.append(bytes);
      }
    },
  };
  return { pages: plain, dictionary: undefined, statistics };
}

/** The plan for `count` non-null values among `rows` rows of `chunk`. */
export function planChunk(spec: ColumnSpec, chunk: ColumnChunk, rows: number, count: number): ChunkPlan {
  const nulls = rows - count;
  switch (chunk.kind) {
    case 'double':
      return planFixed(
        spec,
        compact(chunk.values, chunk.valid, rows, count),
        count,
        nulls,
        8,
        doubleStatistics,
      );
    case 'int32':
      return planFixed(
        spec,
        compact(chunk.values, chunk.valid, rows, count),
        count,
        nulls,
        4,
        int32Statistics,
      );
    case 'int64':
      return planFixed(
        spec,
        compactBigInts(chunk.values, chunk.valid, rows, count),
        count,
        nulls,
        8,
        int64Statistics,
      );
    case 'bool': {
      const values = compact(chunk.values, chunk.valid, rows, count);
      return planBool(values, count, boolStatistics(values, count, nulls));
    }
    case 'string':
      return planString(spec, chunk, compact(chunk.values, chunk.valid, rows, count), nulls);
  }
}

/** Non-null rows among the first `rows` (all of them without a validity array). */
export function presentCount(valid: Uint8Array | null, rows: number): number {
  if (!valid) return rows;
  let n = 0;
  for (let i = 0; i < rows; i++) n += valid[i]!;
  return n;
}
