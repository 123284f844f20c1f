import { describe, expect, it } from 'vitest';
import { ByteBuffer } from './byte-buffer.js';
import { bitWidthOf, writeRleHybrid } from './rle-hybrid.js';

/** Reference decoder written from the Parquet spec (not from the encoder). */
function decode(bytes: Uint8Array, count: number, bitWidth: number): number[] {
  const out: number[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  };
  while (out.length < count) {
    const header = varint();
    if (header % 2 === 0) {
      const run = header / 2;
      let value = 0;
      for (let j = 0; j < (bitWidth + 7) >> 3; j++) value += bytes[at++]! * 2 ** (8 * j);
      for (let k = 0; k < run; k++) out.push(value);
    } else {
      const groups = (header - 1) / 2;
      let bit = 0;
      for (let k = 0; k < groups * 8; k++) {
        let value = 0;
        for (let b = 0; b < bitWidth; b++, bit++) {
          if ((bytes[at + (bit >> 3)]! >> (bit & 7)) & 1) value += 2 ** b;
        }
        out.push(value);
      }
      at += groups * bitWidth;
    }
  }
  expect(at).toBe(bytes.length);
  return out.slice(0, count);
}

function roundTrip(values: number[], bitWidth: number): number[] {
  const out = new ByteBuffer(4);
  // Written from the middle of a larger array, as pages are.
  const padded = Int32Array.from([7, ...values, 7]);
  writeRleHybrid(out, padded, 1, values.length + 1, bitWidth);
  return decode(out.view(), values.length, bitWidth);
}

describe('RLE / bit-packing hybrid', () => {
  it('needs as many bits as the largest value', () => {
    expect([0, 1, 2, 3, 4, 255, 256, 65_535, 2 ** 31 - 1].map(bitWidthOf)).toEqual([
      0, 1, 2, 2, 3, 8, 9, 16, 31,
    ]);
  });

  it('writes long runs as RLE and the rest bit-packed, decoding to the same values', () => {
    const values = [...Array(20).fill(1), 0, 1, 0, 0, 1, ...Array(9).fill(0), 1, 1, 1];
    const out = new ByteBuffer();
    writeRleHybrid(out, Int32Array.from(values), 0, values.length, 1);
    // 20 ones: one RLE run of two bytes (header 40, value 1).
    expect(Array.from(out.view().subarray(0, 2))).toEqual([40, 1]);
    expect(decode(out.view(), values.length, 1)).toEqual(values);
  });

  it('round-trips every bit width from 0 to 32 with mixed runs', () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let width = 0; width <= 32; width++) {
      const max = width === 0 ? 0 : 2 ** width - 1;
      const values: number[] = [];
      while (values.length < 500) {
        const v = Math.floor(next() * (max + 1));
        const run = next() < 0.2 ? 1 + Math.floor(next() * 30) : 1;
        for (let k = 0; k < run; k++) values.push(v);
      }
      const stored = width === 32 ? values.map((v) => v | 0) : values;
      const decoded = roundTrip(stored, width);
      expect(decoded.map((v) => (width === 32 ? v | 0 : v))).toEqual(stored);
    }
  });

  it('encodes validity bytes (definition levels) and a single value', () => {
    const valid = Uint8Array.from([1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const out = new ByteBuffer();
    writeRleHybrid(out, valid, 0, valid.length, 1);
    expect(decode(out.view(), valid.length, 1)).toEqual(Array.from(valid));
    expect(roundTrip([5], 3)).toEqual([5]);
    expect(roundTrip([], 3)).toEqual([]);
  });
});
