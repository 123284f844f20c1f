import { col } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { createColumnBuffer } from './column-buffer.js';

describe('column buffers', () => {
  it('keep required doubles in a Float64Array and grow past the initial capacity', () => {
    const buffer = createColumnBuffer(col.double('price', { nullable: false }), 5000);
    for (let i = 0; i < 3000; i++) expect(buffer.set(i, i + 0.5)).toBe(true);
    const chunk = buffer.take(3000, 1024);
    expect(chunk.kind).toBe('double');
    expect(chunk.values).toBeInstanceOf(Float64Array);
    expect(chunk.values.length).toBeGreaterThanOrEqual(3000);
    expect(chunk.values[2999]).toBe(2999.5);
    expect(chunk.valid).toBeNull();
  });

  it('mark nulls in a validity array only when the group holds one', () => {
    const buffer = createColumnBuffer(col.double('price'), 10);
    buffer.set(0, 1.5);
    buffer.set(1, 2);
    const noNulls = buffer.take(2, 1024);
    expect(Array.from(noNulls.values.subarray(0, 2) as Float64Array)).toEqual([1.5, 2]);
    expect(noNulls.valid).toBeNull();
    buffer.set(0, 1.5);
    buffer.set(1, null);
    buffer.set(2, undefined);
    const withNulls = buffer.take(3, 1024);
    expect(Array.from(withNulls.valid!.subarray(0, 3))).toEqual([1, 0, 0]);
  });

  it('start afresh after take, so a handed-over chunk is never written to again', () => {
    const buffer = createColumnBuffer(col.double('price', { nullable: false }), 10);
    buffer.set(0, 1);
    const first = buffer.take(1, 1024);
    buffer.set(0, 2);
    expect(first.values[0]).toBe(1);
    expect(buffer.take(1, 1024).values[0]).toBe(2);
  });

  it('store int64 and timestamps in a BigInt64Array, nulls included', () => {
    const buffer = createColumnBuffer(col.timestamp('ts', 'ns'), 10);
    buffer.set(0, 1_786_309_548_483_587_501n);
    buffer.set(1, null);
    buffer.set(2, -(2n ** 63n));
    const chunk = buffer.take(3, 1024);
    expect(chunk.values).toBeInstanceOf(BigInt64Array);
    expect(chunk.values[0]).toBe(1_786_309_548_483_587_501n);
    expect(chunk.values[2]).toBe(-(2n ** 63n));
    expect(Array.from(chunk.valid!.subarray(0, 3))).toEqual([1, 0, 1]);
  });

  it('keep strings as indexes into the group’s distinct values', () => {
    const buffer = createColumnBuffer(col.string('s'), 10);
    buffer.set(0, 'a');
    buffer.set(1, 'b');
    buffer.set(2, 'a');
    buffer.set(3, null);
    const chunk = buffer.take(4, 1024);
    if (chunk.kind !== 'string') throw new Error('expected a string chunk');
    expect(chunk.dictionary).toEqual(['a', 'b']);
    expect(Array.from(chunk.values.subarray(0, 3))).toEqual([0, 1, 0]);
    expect(Array.from(chunk.valid!.subarray(0, 4))).toEqual([1, 1, 1, 0]);
    buffer.set(0, 'c');
    const next = buffer.take(1, 1024);
    if (next.kind !== 'string') throw new Error('expected a string chunk');
    expect(next.dictionary).toEqual(['c']);
    expect(next.values[0]).toBe(0);
  });

  it('let a later row overwrite a rejected one', () => {
    const buffer = createColumnBuffer(col.string('s'), 10);
    buffer.set(0, 'a');
    buffer.set(1, 'rejected-row');
    buffer.set(1, 'b');
    const chunk = buffer.take(2, 1024);
    if (chunk.kind !== 'string') throw new Error('expected a string chunk');
    expect(Array.from(chunk.values.subarray(0, 2)).map((i) => chunk.dictionary[i])).toEqual(['a', 'b']);
  });

  it('reject values that do not fit, with a reason', () => {
    const int32 = createColumnBuffer(col.int32('i'), 10);
    expect(int32.set(0, 2 ** 31)).toBe(false);
    expect(int32.set(0, 1.5)).toBe(false);
    expect(int32.set(0, -(2 ** 31))).toBe(true);
    expect(int32.problem(2 ** 31)).toContain('32-bit integer');

    const int64 = createColumnBuffer(col.int64('l'), 10);
    expect(int64.set(0, 2n ** 63n)).toBe(false);
    expect(int64.set(0, 5)).toBe(false);
    expect(int64.problem(2n ** 63n)).toContain('64-bit range');

    const date = createColumnBuffer(col.date('date', { nullable: false }), 10);
    expect(date.set(0, '2026-02-30')).toBe(false);
    expect(date.problem('2026-02-30')).toContain("'YYYY-MM-DD'");
    expect(date.set(0, null)).toBe(false);
    expect(date.problem(null)).toContain('not nullable');

    const bool = createColumnBuffer(col.bool('b', { nullable: false }), 10);
    expect(bool.set(0, 'true')).toBe(false);
    expect(bool.problem('true')).toContain('boolean');
  });

  it('store dates as day numbers and booleans as bytes', () => {
    const dates = createColumnBuffer(col.date('date'), 10);
    dates.set(0, '1970-01-02');
    dates.set(1, '2026-08-09');
    dates.set(2, '2026-08-09');
    expect(Array.from(dates.take(3, 1024).values.subarray(0, 3) as Int32Array)).toEqual([1, 20674, 20674]);
    const flags = createColumnBuffer(col.bool('b', { nullable: false }), 10);
    flags.set(0, true);
    flags.set(1, false);
    expect(Array.from(flags.take(2, 1024).values.subarray(0, 2) as Uint8Array)).toEqual([1, 0]);
  });

  it('report the bytes a row takes, validity byte included', () => {
    expect(createColumnBuffer(col.double('d', { nullable: false }), 10).bytesPerRow).toBe(8);
    expect(createColumnBuffer(col.timestamp('t', 'ns'), 10).bytesPerRow).toBe(9);
    expect(createColumnBuffer(col.string('s'), 10).bytesPerRow).toBe(5);
  });
});
