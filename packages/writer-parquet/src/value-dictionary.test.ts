import { describe, expect, it } from 'vitest';
import { doubleStatistics, int64Statistics, stringStatistics } from './column-statistics.js';
import { buildNumericDictionary } from './value-dictionary.js';

const words = (values: Float64Array | BigInt64Array | Int32Array) =>
  new Int32Array(values.buffer, values.byteOffset, values.byteLength / 4);

describe('numeric dictionaries', () => {
  it('number values by first appearance and remember where each first appeared', () => {
    const values = Float64Array.from([2.5, 1, 2.5, 3, 1, 1]);
    const dict = buildNumericDictionary(words(values), 2, values.length, 10)!;
    expect(dict.size).toBe(3);
    expect(Array.from(dict.indexes)).toEqual([0, 1, 0, 2, 1, 1]);
    expect(Array.from(dict.firsts)).toEqual([0, 1, 3]);
  });

  it('keep values apart by their bits: -0 and 0, and NaN payloads', () => {
    const values = new Float64Array([0, -0, Number.NaN, 0]);
    // Index 3 becomes a NaN with another payload than the NaN at index 2.
    new DataView(values.buffer).setUint32(24, 1, true);
    new DataView(values.buffer).setUint32(28, 0x7ff80000, true);
    expect(Number.isNaN(values[3])).toBe(true);
    const dict = buildNumericDictionary(words(values), 2, values.length, 10)!;
    expect(dict.size).toBe(4);
    expect(Object.is(values[dict.firsts[1]!], -0)).toBe(true);
  });

  it('give up once more distinct values than allowed appear', () => {
    const values = BigInt64Array.from([1n, 2n, 3n, 1n, 2n ** 40n]);
    expect(buildNumericDictionary(words(values), 2, values.length, 3)).toBeUndefined();
    expect(buildNumericDictionary(words(values), 2, values.length, 4)?.size).toBe(4);
    const ints = Int32Array.from([5, 5, -1, 5]);
    expect(Array.from(buildNumericDictionary(ints, 1, 4, 4)!.indexes)).toEqual([0, 0, 1, 0]);
  });
});

describe('chunk statistics', () => {
  it('skip and count NaN in doubles and write a zero minimum as -0', () => {
    const stats = doubleStatistics(Float64Array.from([3, Number.NaN, 0, 7]), 4, 2);
    expect(stats).toEqual({ min_value: -0, max_value: 7, null_count: 2n, nan_count: 1n });
    expect(Object.is(stats.min_value, -0)).toBe(true);
    expect(doubleStatistics(Float64Array.from([Number.NaN]), 1, 0)).toEqual({
      null_count: 0n,
      nan_count: 1n,
    });
  });

  it('compare int64 through their halves, signs included', () => {
    const values = BigInt64Array.from([5n, -(2n ** 63n), 2n ** 63n - 1n, -1n, 2n ** 32n, 2n ** 32n - 1n]);
    expect(int64Statistics(values, values.length, 0)).toMatchObject({
      min_value: -(2n ** 63n),
      max_value: 2n ** 63n - 1n,
    });
    const around = BigInt64Array.from([2n ** 32n, 2n ** 32n - 1n, 4_294_967_296n + 5n]);
    expect(int64Statistics(around, 3, 0)).toMatchObject({
      min_value: 2n ** 32n - 1n,
      max_value: 2n ** 32n + 5n,
    });
  });

  it('order strings by their UTF-8 bytes and ignore unused entries', () => {
    const dictionary = ['b', '\u{1F600}', '\uFFFF', 'a'];
    const encoded = dictionary.map((s) => new TextEncoder().encode(s));
    // UTF-16 order would put the emoji (a surrogate pair) before U+FFFF; byte order puts it after.
    expect(stringStatistics(dictionary, encoded, null, 0)).toMatchObject({
      min_value: 'a',
      max_value: '\u{1F600}',
    });
    expect(stringStatistics(dictionary, encoded, Uint8Array.from([1, 0, 1, 0]), 0)).toMatchObject({
      min_value: 'b',
      max_value: '\uFFFF',
    });
  });
});
