import { describe, expect, it } from 'vitest';
import {
  cloneValue,
  deepFreeze,
  describeValue,
  firstDifference,
  firstRowDifference,
  isRowObject,
} from './row-values.js';

describe('describeValue', () => {
  it('writes bigint with n, also inside objects, and keeps strings quoted', () => {
    expect(describeValue(5n)).toBe('5n');
    expect(describeValue({ t: -5n, s: '5n' })).toBe('{"t":-5n,"s":"5n"}');
    expect(describeValue('BTC-USD')).toBe('"BTC-USD"');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(-0)).toBe('-0');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(() => 1)).toBe('a function');
  });

  it('cuts long values', () => {
    const text = describeValue({ s: 'x'.repeat(500) });
    expect(text).toHaveLength(121);
    expect(text.endsWith('…')).toBe(true);
  });

  it('survives values JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
  });
});

describe('firstDifference', () => {
  it('finds nothing between deeply equal values, NaN included', () => {
    expect(
      firstDifference(
        { a: [1, { b: 2n }], n: Number.NaN, d: null },
        { a: [1, { b: 2n }], n: Number.NaN, d: null },
      ),
    ).toBe(undefined);
    expect(firstDifference(new Date(5), new Date(5))).toBeUndefined();
    expect(firstDifference(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBeUndefined();
  });

  it('names the path and both values of the first difference', () => {
    expect(firstDifference([{ a: 1 }, { a: 2, b: [3, 4] }], [{ a: 1 }, { a: 2, b: [3, 5] }])).toBe(
      '[1].b[1]: 4 vs 5',
    );
    expect(firstDifference({ a: 1 }, { a: 1, b: 2 })).toBe('.b: missing vs 2');
    expect(firstDifference({ a: 1, b: 2 }, { a: 1 })).toBe('.b: 2 vs missing');
    expect(firstDifference([1, 2], [1, 2, 3])).toBe('value: 2 vs 3 items (first unmatched: 3)');
    expect(firstDifference(1, 2)).toBe('value: 1 vs 2');
  });

  it('tells bigint from number and null from undefined', () => {
    expect(firstDifference({ seq: 5n }, { seq: 5 })).toBe('.seq: 5n vs 5');
    expect(firstDifference({ x: null }, { x: undefined })).toBe('.x: null vs undefined');
    expect(firstDifference([1], { 0: 1 })).toBe('value: [1] vs {"0":1}');
    expect(firstDifference(new Date(5), new Date(6))).toBe(
      'value: "1970-01-01T00:00:00.005Z" vs "1970-01-01T00:00:00.006Z"',
    );
    expect(firstDifference(new Uint8Array([1]), new Uint8Array([2]))).toBe('value: bytes differ');
  });

  it('firstRowDifference adds both whole rows', () => {
    expect(firstRowDifference([{ a: 1, t: 1n }], [{ a: 2, t: 1n }])).toBe(
      '[0].a: 1 vs 2 (rows: {"a":1,"t":1n} vs {"a":2,"t":1n})',
    );
    expect(firstRowDifference([{ a: 1 }], [{ a: 1 }, { a: 2 }])).toBe(
      'value: 1 vs 2 items (first unmatched: {"a":2})',
    );
    expect(firstRowDifference([], [])).toBeUndefined();
  });
});

describe('cloneValue and deepFreeze', () => {
  it('clone copies plain objects, arrays, dates and bytes all the way down', () => {
    const original = { a: [{ b: 1n }], d: new Date(1), bytes: new Uint8Array([1]) };
    const copy = cloneValue(original);
    expect(copy).toEqual(original);
    expect(copy.a).not.toBe(original.a);
    expect(copy.a[0]).not.toBe(original.a[0]);
    expect(copy.d).not.toBe(original.d);
    expect(copy.bytes).not.toBe(original.bytes);
  });

  it('deepFreeze freezes nested objects and arrays and leaves byte arrays writable', () => {
    const value = deepFreeze({ a: [{ b: 1 }], bytes: new Uint8Array([1]) });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a[0])).toBe(true);
    expect(() => {
      (value.a[0] as { b: number }).b = 2;
    }).toThrow(TypeError);
    value.bytes[0] = 2;
    expect(value.bytes[0]).toBe(2);
  });

  it('isRowObject accepts objects only', () => {
    expect([{}, [], null, 'x', 1].map(isRowObject)).toEqual([true, false, false, false, false]);
  });
});
