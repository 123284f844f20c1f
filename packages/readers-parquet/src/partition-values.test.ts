import { describe, expect, it } from 'vitest';
import { inferPartitionType, parsePartitionValue, partitionField } from './partition-values.js';

describe('inferPartitionType', () => {
  it('infers dates, canonical integers and strings like DuckDB', () => {
    expect(inferPartitionType(['2026-08-09', '2026-08-10', null])).toBe('date');
    expect(inferPartitionType(['2026-02-30'])).toBe('string');
    expect(inferPartitionType(['14', '-3', '0'])).toBe('int64');
    // '05' does not round-trip through an integer: DuckDB keeps it VARCHAR, so do we.
    expect(inferPartitionType(['05', '14'])).toBe('string');
    expect(inferPartitionType(['9223372036854775807'])).toBe('int64');
    expect(inferPartitionType(['9223372036854775808'])).toBe('string');
    expect(inferPartitionType(['BTC-USD', '2026-08-09'])).toBe('string');
    expect(inferPartitionType([null])).toBe('string');
    expect(inferPartitionType([])).toBe('string');
  });
});

describe('parsePartitionValue', () => {
  it('restores typed values', () => {
    expect(parsePartitionValue('BTC-USD', 'string', 'product_id', 'f')).toBe('BTC-USD');
    expect(parsePartitionValue('2026-08-09', 'date', 'date', 'f')).toBe('2026-08-09');
    expect(parsePartitionValue('05', 'int64', 'hour', 'f')).toBe(5n);
    expect(parsePartitionValue('-12', 'int32', 'x', 'f')).toBe(-12);
    expect(parsePartitionValue('1.5', 'double', 'x', 'f')).toBe(1.5);
    expect(parsePartitionValue(null, 'int64', 'hour', 'f')).toBeNull();
  });

  it('names the file and value when a value does not parse', () => {
    expect(() => parsePartitionValue('ab', 'int64', 'hour', 'out/hour=ab/p.parquet')).toThrow(
      'out/hour=ab/p.parquet: partition hour="ab" is not a valid int64 (see partitionTypes)',
    );
    expect(() => parsePartitionValue('2026-13-01', 'date', 'date', 'f')).toThrow(/not a valid date/);
    expect(() => parsePartitionValue('3000000000', 'int32', 'x', 'f')).toThrow(/not a valid int32/);
    expect(() => parsePartitionValue('1.5', 'int32', 'x', 'f')).toThrow(/not a valid int32/);
    expect(() => parsePartitionValue('abc', 'double', 'x', 'f')).toThrow(/not a valid double/);
  });
});

describe('partitionField', () => {
  it('maps partition types to core fields', () => {
    expect(partitionField('date', 'date', false)).toMatchObject({
      name: 'date',
      type: 'date',
      nullable: false,
    });
    expect(partitionField('hour', 'int64', true)).toMatchObject({
      name: 'hour',
      type: 'int64',
      nullable: true,
    });
    expect(partitionField('p', 'string', false).type).toBe('string');
    expect(partitionField('p', 'int32', false).type).toBe('int32');
    expect(partitionField('p', 'double', false).type).toBe('double');
  });
});
