import { ConfigError } from '@etl/core';
import { describe, expect, it } from 'vitest';
import {
  checkComparable,
  matchesPartitionFilter,
  matchesPredicate,
  validatePartitionFilter,
} from './partition-filter.js';

describe('matchesPredicate', () => {
  it('tests equality, IN lists and ranges', () => {
    expect(matchesPredicate('BTC-USD', 'BTC-USD')).toBe(true);
    expect(matchesPredicate('BTC-USD', 'ETH-USD')).toBe(false);
    expect(matchesPredicate('ETH-USD', ['BTC-USD', 'ETH-USD'])).toBe(true);
    expect(matchesPredicate('SOL-USD', ['BTC-USD', 'ETH-USD'])).toBe(false);
    const range = { gte: '2026-08-09', lte: '2026-08-10' };
    expect(matchesPredicate('2026-08-08', range)).toBe(false);
    expect(matchesPredicate('2026-08-09', range)).toBe(true);
    expect(matchesPredicate('2026-08-10', range)).toBe(true);
    expect(matchesPredicate('2026-08-11', range)).toBe(false);
    expect(matchesPredicate('2026-08-10', { gt: '2026-08-09', lt: '2026-08-10' })).toBe(false);
    expect(matchesPredicate('2026-08-10', { eq: '2026-08-10' })).toBe(true);
  });

  it('compares bigint partition values with number or bigint bounds by value', () => {
    expect(matchesPredicate(14n, 14)).toBe(true);
    expect(matchesPredicate(14n, 14n)).toBe(true);
    expect(matchesPredicate(14n, { gte: 10, lt: 14.5 })).toBe(true);
    expect(matchesPredicate(15n, { gte: 10, lt: 14.5 })).toBe(false);
    expect(matchesPredicate(3, [1n, 3n])).toBe(true);
  });

  it('gives null SQL semantics: equal to null, never inside a range', () => {
    expect(matchesPredicate(null, null)).toBe(true);
    expect(matchesPredicate(null, 'x')).toBe(false);
    expect(matchesPredicate(null, ['x', null])).toBe(true);
    expect(matchesPredicate(null, { gte: '2026-01-01' })).toBe(false);
    expect(matchesPredicate('2026-08-09', { gte: null })).toBe(false);
  });
});

describe('matchesPartitionFilter', () => {
  it('needs every predicate to hold, and a column missing from the path never matches', () => {
    const filter = { product_id: 'BTC-USD', date: { gte: '2026-08-09' } };
    expect(matchesPartitionFilter({ product_id: 'BTC-USD', date: '2026-08-09' }, filter)).toBe(true);
    expect(matchesPartitionFilter({ product_id: 'BTC-USD', date: '2026-08-08' }, filter)).toBe(false);
    expect(matchesPartitionFilter({ product_id: 'BTC-USD' }, filter)).toBe(false);
    expect(matchesPartitionFilter({ product_id: 'BTC-USD', date: null }, { date: null })).toBe(true);
    expect(matchesPartitionFilter({ product_id: 'BTC-USD' }, {})).toBe(true);
  });
});

describe('validatePartitionFilter', () => {
  it('accepts values, lists and ranges', () => {
    expect(() =>
      validatePartitionFilter({ a: 'x', b: [1, 2n, null], c: { gte: '1', lt: '2' }, d: null }),
    ).not.toThrow();
  });

  it('names the bad key', () => {
    expect(() => validatePartitionFilter({ date: { from: '2026-08-09' } as never })).toThrow(
      new ConfigError('filter.date.from', 'unknown bound (use eq, gt, gte, lt, lte)'),
    );
    expect(() => validatePartitionFilter({ date: {} })).toThrow(/filter\.date: empty range/);
    expect(() => validatePartitionFilter({ date: [true as never] })).toThrow(/filter\.date\[0\]/);
    expect(() => validatePartitionFilter({ hour: Number.NaN })).toThrow(/filter\.hour/);
  });
});

describe('checkComparable', () => {
  it('rejects a number against a string column, naming the column', () => {
    expect(() => checkComparable('hour', 'string', { gte: 5 })).toThrow(
      /filter\.hour: partition column "hour" holds string values but the filter gives number 5/,
    );
    expect(() => checkComparable('hour', 'number', ['05'])).toThrow(/holds number values/);
    expect(() => checkComparable('hour', 'number', [5, 6n, null])).not.toThrow();
    expect(() => checkComparable('date', 'string', null)).not.toThrow();
  });
});
