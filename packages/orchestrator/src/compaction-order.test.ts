import { col, defineSchema } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { compareRows, sortKeyOf } from './compaction-order.js';

describe('sortKeyOf', () => {
  const level2 = defineSchema([
    col.timestamp('server_timestamp'),
    col.int64('sequence_num'),
    col.double('price_level'),
  ]);

  it('takes the known orders, restricted to the columns there are', () => {
    expect(sortKeyOf('level2', level2)).toEqual(['server_timestamp', 'sequence_num']);
    expect(sortKeyOf('market_trades', defineSchema([col.string('trade_id'), col.timestamp('time')]))).toEqual(
      ['time', 'trade_id'],
    );
    expect(sortKeyOf('quality', defineSchema([col.timestamp('time_from')]))).toEqual([]);
  });

  it('finds the time column of a dataset it does not know (plugin outputs)', () => {
    expect(sortKeyOf('vwap_1m', defineSchema([col.double('vwap'), col.timestamp('window_end')]))).toEqual([
      'window_end',
    ]);
    expect(sortKeyOf('bars', level2)).toEqual(['server_timestamp', 'sequence_num']);
    expect(sortKeyOf('counts', defineSchema([col.int64('n')]))).toEqual([]);
  });
});

describe('compareRows', () => {
  it('orders bigints, numbers and strings naturally, nulls last, key column by key column', () => {
    const key = ['t', 's'];
    expect(compareRows(key, { t: 1n, s: 'b' }, { t: 2n, s: 'a' })).toBeLessThan(0);
    expect(compareRows(key, { t: 2n, s: 'a' }, { t: 2n, s: 'b' })).toBeLessThan(0);
    expect(compareRows(key, { t: null, s: 'a' }, { t: 5n, s: 'a' })).toBeGreaterThan(0);
    expect(compareRows(key, { t: 3n, s: 'a' }, { t: 3n, s: 'a' })).toBe(0);
  });
});
