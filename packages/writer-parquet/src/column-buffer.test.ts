import { col } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { createColumnBuffer } from './column-buffer.js';

describe('column buffers', () => {
  it('keep required doubles in a Float64Array and grow past the initial capacity', () => {
    const buffer = createColumnBuffer(col.double('price', { nullable: false }), 5000);
    for (let i = 0; i < 3000; i++) expect(buffer.set(i, i + 0.5)).toBe(true);
    const values = buffer.values(3000);
    expect(values).toBeInstanceOf(Float64Array);
    expect(values.length).toBe(3000);
    expect(values[2999]).toBe(2999.5);
  });

  it('return a typed view without nulls and a boxed array with them', () => {
    const buffer = createColumnBuffer(col.double('price'), 10);
    buffer.set(0, 1.5);
    buffer.set(1, 2);
    expect(buffer.values(2)).toEqual(new Float64Array([1.5, 2]));
    buffer.set(2, null);
    buffer.set(3, undefined);
    expect(buffer.values(4)).toEqual([1.5, 2, null, null]);
  });

  it('keep the rows own bigints for int64 and timestamps, nulls included', () => {
    const buffer = createColumnBuffer(col.timestamp('ts', 'ns'), 10);
    buffer.set(0, 1_786_309_548_483_587_501n);
    buffer.set(1, null);
    buffer.set(2, -(2n ** 63n));
    expect(buffer.values(3)).toEqual([1_786_309_548_483_587_501n, null, -(2n ** 63n)]);
    expect(buffer.values(2)).toEqual([1_786_309_548_483_587_501n, null]);
  });

  it('let a later row overwrite a rejected one', () => {
    const buffer = createColumnBuffer(col.string('s'), 10);
    buffer.set(0, 'a');
    buffer.set(1, 'rejected-row');
    buffer.set(1, 'b');
    expect(buffer.values(2)).toEqual(['a', 'b']);
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

  it('store dates as day numbers', () => {
    const buffer = createColumnBuffer(col.date('date'), 10);
    buffer.set(0, '1970-01-02');
    buffer.set(1, '2026-08-09');
    buffer.set(2, '2026-08-09');
    expect(Array.from(buffer.values(3))).toEqual([1, 20674, 20674]);
  });
});
