import { describe, expect, it } from 'vitest';
import {
  escapePartitionValue,
  HIVE_DEFAULT_PARTITION,
  parsePartitionPath,
  partitionSegment,
  unescapePartitionValue,
} from './hive.js';

/** The characters Spark's `ExternalCatalogUtils.escapePathName` escapes (besides control characters). */
const SPARK_SPECIALS: [string, string][] = [
  ['"', '%22'],
  ['#', '%23'],
  ['%', '%25'],
  ["'", '%27'],
  ['*', '%2A'],
  ['/', '%2F'],
  [':', '%3A'],
  ['=', '%3D'],
  ['?', '%3F'],
  ['\\', '%5C'],
  ['\x7f', '%7F'],
  ['{', '%7B'],
  ['[', '%5B'],
  [']', '%5D'],
  ['^', '%5E'],
];

/** A segment that is safe to put in a path: no separator, not a relative step. */
function isSafeSegment(segment: string): boolean {
  return (
    !segment.includes('/') && !segment.includes('\\') && segment !== '.' && segment !== '..' && segment !== ''
  );
}

describe('escapePartitionValue', () => {
  it('escapes every Spark special character as %XX (upper-case hex)', () => {
    for (const [ch, escaped] of SPARK_SPECIALS) {
      expect(escapePartitionValue(ch), JSON.stringify(ch)).toBe(escaped);
      expect(escapePartitionValue(`a${ch}b`)).toBe(`a${escaped}b`);
    }
  });

  it('escapes every control character', () => {
    for (let c = 0; c < 0x20; c++) {
      const expected = `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
      expect(escapePartitionValue(String.fromCharCode(c))).toBe(expected);
    }
    expect(escapePartitionValue('line\nbreak\ttab')).toBe('line%0Abreak%09tab');
  });

  it('leaves ordinary text, spaces and unicode untouched', () => {
    for (const value of ['BTC-USD', 'ETH_EUR.x', '2024-02-29', 'a b', 'ü€', '日本', '😀', '<>|!@$&()+,;~`']) {
      expect(escapePartitionValue(value)).toBe(value);
    }
  });

  it('maps null, undefined and empty to __HIVE_DEFAULT_PARTITION__', () => {
    expect(HIVE_DEFAULT_PARTITION).toBe('__HIVE_DEFAULT_PARTITION__');
    expect(escapePartitionValue(null)).toBe(HIVE_DEFAULT_PARTITION);
    expect(escapePartitionValue(undefined)).toBe(HIVE_DEFAULT_PARTITION);
    expect(escapePartitionValue('')).toBe(HIVE_DEFAULT_PARTITION);
  });

  it("escapes the bare relative steps '.' and '..' but not other dots", () => {
    expect(escapePartitionValue('.')).toBe('%2E');
    expect(escapePartitionValue('..')).toBe('%2E%2E');
    expect(escapePartitionValue('...')).toBe('...');
    expect(escapePartitionValue('.hidden')).toBe('.hidden');
  });

  it('keeps hostile values inside one path segment', () => {
    expect(escapePartitionValue('../../x')).toBe('..%2F..%2Fx');
    expect(escapePartitionValue('..\\..\\x')).toBe('..%5C..%5Cx');
    expect(escapePartitionValue('a/b')).toBe('a%2Fb');
    expect(escapePartitionValue('C:\\Windows')).toBe('C%3A%5CWindows');
    expect(escapePartitionValue('%2F')).toBe('%252F');
  });
});

describe('partitionSegment', () => {
  it('builds key=value with both sides escaped', () => {
    expect(partitionSegment('product_id', 'BTC-USD')).toBe('product_id=BTC-USD');
    expect(partitionSegment('date', '2024-02-29')).toBe('date=2024-02-29');
    expect(partitionSegment('product_id', null)).toBe('product_id=__HIVE_DEFAULT_PARTITION__');
    expect(partitionSegment('k=y', 'a=b')).toBe('k%3Dy=a%3Db');
    expect(partitionSegment('product_id', '../../x')).toBe('product_id=..%2F..%2Fx');
  });
});

describe('unescapePartitionValue and parsePartitionPath', () => {
  it('decodes %XX in either case and leaves stray % alone', () => {
    expect(unescapePartitionValue('a%2Fb')).toBe('a/b');
    expect(unescapePartitionValue('a%2fb')).toBe('a/b');
    expect(unescapePartitionValue('100%')).toBe('100%');
    expect(unescapePartitionValue('%zz')).toBe('%zz');
    expect(unescapePartitionValue('%2E%2E')).toBe('..');
    expect(unescapePartitionValue(HIVE_DEFAULT_PARTITION)).toBeNull();
  });

  it('reads the partition columns of a file path and ignores other segments', () => {
    expect(parsePartitionPath('product_id=BTC-USD/date=2024-02-29/part-00001.parquet')).toEqual({
      product_id: 'BTC-USD',
      date: '2024-02-29',
    });
    expect(parsePartitionPath('out/coinbase/ticker/date=2024-02-29/hour=14/part-x.parquet')).toEqual({
      date: '2024-02-29',
      hour: '14',
    });
    expect(parsePartitionPath('date=2024-02-29\\hour=07\\part.parquet')).toEqual({
      date: '2024-02-29',
      hour: '07',
    });
    expect(parsePartitionPath('product_id=__HIVE_DEFAULT_PARTITION__/x')).toEqual({ product_id: null });
    expect(parsePartitionPath('=orphan/noequals/k=')).toEqual({ k: '' });
    expect(parsePartitionPath('')).toEqual({});
  });

  it('round-trips hostile values through a path', () => {
    const hostile = [
      '../../x',
      '..',
      '.',
      'a/b',
      'a\\b',
      '%',
      '%2F',
      '%%41',
      '=',
      'a=b=c',
      '?',
      '*',
      ':',
      '#[]{}^\'"',
      '\x00\x1f\x7f',
      'new\nline',
      ' lead and trail ',
      'ü€😀',
      'x'.repeat(10_000),
      `${'../'.repeat(50)}etc/passwd`,
    ];
    for (const value of hostile) {
      const segment = partitionSegment('product_id', value);
      const escaped = segment.slice('product_id='.length);
      expect(isSafeSegment(escaped), JSON.stringify(value)).toBe(true);
      expect(parsePartitionPath(`${segment}/date=2024-01-01/part-0.parquet`)).toEqual({
        product_id: value,
        date: '2024-01-01',
      });
      expect(unescapePartitionValue(escapePartitionValue(value))).toBe(value);
    }
  });

  it('round-trips random strings over an alphabet of specials', () => {
    const alphabet = ['a', 'Z', '0', '.', '-', '_', ' ', '€', '😀', '\n', ...SPARK_SPECIALS.map(([c]) => c)];
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 2000; i++) {
      let value = '';
      const length = 1 + Math.floor(next() * 12);
      for (let j = 0; j < length; j++) value += alphabet[Math.floor(next() * alphabet.length)];
      const escaped = escapePartitionValue(value);
      expect(isSafeSegment(escaped), JSON.stringify(value)).toBe(true);
      expect(parsePartitionPath(`k=${escaped}`), JSON.stringify(value)).toEqual({ k: value });
    }
  });

  it('keeps a literal __HIVE_DEFAULT_PARTITION__ value apart from null: underscores escaped', () => {
    expect(partitionSegment('k', HIVE_DEFAULT_PARTITION)).toBe('k=%5F%5FHIVE_DEFAULT_PARTITION%5F%5F');
    expect(parsePartitionPath(partitionSegment('k', HIVE_DEFAULT_PARTITION))).toEqual({
      k: HIVE_DEFAULT_PARTITION,
    });
    expect(parsePartitionPath(partitionSegment('k', null))).toEqual({ k: null });
  });
});
