import { describe, expect, it } from 'vitest';
import { readFixtureLines } from './__fixtures__/fixture-records.js';
import { isDecimalString, parseDecimalOrNaN, parseEpochSecondsNs } from './number.js';

/** `s` without redundant zeros: '065083.6600' → '65083.66', '0.0' → '0', '-0.5' stays. */
function canonicalDecimal(s: string): string {
  let sign = '';
  if (s.startsWith('-')) {
    sign = '-';
    s = s.slice(1);
  }
  let [int = '', frac = ''] = s.split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return out === '0' ? '0' : sign + out;
}

/** Plain decimal text of a number's shortest round-trip string ('1.5e-7' → '0.00000015'). */
function plainDecimal(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return canonicalDecimal(s);
  const sign = s.startsWith('-') ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const exp = Number(s.slice(e + 1));
  const [int = '', frac = ''] = mantissa.split('.');
  const digits = int + frac;
  const point = int.length + exp;
  const text =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + canonicalDecimal(text);
}

describe('parseDecimalOrNaN', () => {
  it('parses plain decimals exactly', () => {
    expect(parseDecimalOrNaN('65083.66')).toBe(65083.66);
    expect(parseDecimalOrNaN('0.20371215')).toBe(0.20371215);
    expect(parseDecimalOrNaN('126296')).toBe(126296);
    expect(parseDecimalOrNaN('0')).toBe(0);
    expect(parseDecimalOrNaN('-0.5')).toBe(-0.5);
    expect(parseDecimalOrNaN('0.00000015')).toBe(1.5e-7);
    expect(parseDecimalOrNaN('007.50')).toBe(7.5);
  });

  it('accepts an exponent (documented)', () => {
    expect(parseDecimalOrNaN('1.5e-7')).toBe(1.5e-7);
    expect(parseDecimalOrNaN('2E+3')).toBe(2000);
    expect(parseDecimalOrNaN('3e2')).toBe(300);
  });

  it('rejects everything that is not a decimal string', () => {
    const bad: unknown[] = [
      '',
      'NaN',
      'Infinity',
      '-Infinity',
      '0.-10000',
      '0x1A',
      '0b11',
      ' 1',
      '1 ',
      '1\n',
      '+1',
      '.5',
      '1.',
      '-',
      '--1',
      '1e',
      '1e+',
      '1e5.5',
      '1,5',
      '1_000',
      '١٢',
      '1e400',
      '-1e400',
      // Non-zero decimals that underflow to 0 would be stored as 0: refused like overflow.
      '1e-400',
      '-1e-400',
      `0.${'0'.repeat(400)}1`,
      12.5,
      null,
      undefined,
      {},
      ['1'],
    ];
    for (const value of bad) {
      expect(Number.isNaN(parseDecimalOrNaN(value)), JSON.stringify(value) ?? String(value)).toBe(true);
      expect(isDecimalString(value)).toBe(false);
    }
  });
});

describe('parseEpochSecondsNs', () => {
  it('turns epoch seconds into ns', () => {
    expect(parseEpochSecondsNs('1786264200')).toBe(1_786_264_200_000_000_000n);
    expect(parseEpochSecondsNs('0')).toBe(0n);
  });
  it('rejects non-digit strings and other types', () => {
    for (const v of ['', '-1', '1.5', '1e9', ' 1', '1234567890123', 1786264200, null]) {
      expect(parseEpochSecondsNs(v)).toBeUndefined();
    }
  });
});

const NUMERIC_KEYS = new Set([
  'price_level',
  'new_quantity',
  'price',
  'size',
  'volume_24_h',
  'low_24_h',
  'high_24_h',
  'low_52_w',
  'high_52_w',
  'price_percent_chg_24_h',
  'best_bid',
  'best_bid_quantity',
  'best_ask',
  'best_ask_quantity',
  'open',
  'high',
  'low',
  'close',
  'volume',
  // legacy Exchange feed
  'open_24h',
  'volume_24h',
  'volume_30d',
  'low_24h',
  'high_24h',
  'last_size',
  'bids',
  'asks',
  'changes',
]);

function collectNumericStrings(value: unknown, key: string, out: string[]): void {
  if (typeof value === 'string') {
    // `changes` entries are [side, price, size]: skip the side.
    if (NUMERIC_KEYS.has(key) && value !== 'buy' && value !== 'sell') out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectNumericStrings(v, key, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectNumericStrings(v, k, out);
  }
}

describe('DOUBLE is lossless for every fixture value', () => {
  it('round-trips every price and size string of both feeds', async () => {
    const values: string[] = [];
    for (const file of [
      'segment_20260809T21_00001.ndjson',
      'exchange-session-level2-ticker-matches-2021-04-17.ndjson',
    ]) {
      for (const line of await readFixtureLines(file)) collectNumericStrings(JSON.parse(line), '', values);
    }
    expect(values.length).toBeGreaterThan(100_000);
    let checked = 0;
    const distinct = new Set(values);
    for (const s of distinct) {
      const n = parseDecimalOrNaN(s);
      expect(Number.isNaN(n), s).toBe(false);
      if (plainDecimal(n) !== canonicalDecimal(s)) expect.fail(`${s} parsed to ${String(n)}`);
      checked++;
    }
    expect(checked).toBe(distinct.size);
  });

  it('the helpers themselves are right', () => {
    expect(plainDecimal(1.5e-7)).toBe('0.00000015');
    expect(plainDecimal(1e21)).toBe('1000000000000000000000');
    expect(canonicalDecimal('0.0')).toBe('0');
    expect(canonicalDecimal('065083.6600')).toBe('65083.66');
  });
});
