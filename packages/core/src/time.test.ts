import { describe, expect, it } from 'vitest';
import { EtlError } from './errors.js';
import {
  civilFromDays,
  convertTimeUnit,
  dateKeyFromDay,
  dayFromDateKey,
  daysFromCivil,
  epochDay,
  formatTimestampNs,
  parseTimestampNs,
  parseTimestampNsOrReason,
  TimestampError,
  utcDateKey,
  utcHourKey,
} from './time.js';

const NS_PER_MS = 1_000_000n;
const NS_PER_DAY = 86_400_000_000_000n;

/** Epoch ns of a UTC wall-clock time, computed independently of the code under test. */
function utcNs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, fractionNs = 0n): bigint {
  return BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * NS_PER_MS + fractionNs;
}

/** Small seeded PRNG (mulberry32) so the random round trips are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

describe('parseTimestampNs', () => {
  const base = utcNs(2024, 3, 15, 12, 34, 56);

  it('reads 0 to 9 fractional digits, each length scaled to nanoseconds', () => {
    const digits = '123456789';
    expect(parseTimestampNs('2024-03-15T12:34:56Z')).toBe(base);
    for (let n = 1; n <= 9; n++) {
      const fraction = BigInt(digits.slice(0, n)) * 10n ** BigInt(9 - n);
      expect(parseTimestampNs(`2024-03-15T12:34:56.${digits.slice(0, n)}Z`)).toBe(base + fraction);
    }
    expect(parseTimestampNs('2024-03-15T12:34:56.000000001Z')).toBe(base + 1n);
    expect(parseTimestampNs('2024-03-15T12:34:56.5Z')).toBe(base + 500_000_000n);
    expect(parseTimestampNs('2024-03-15T12:34:56.050Z')).toBe(base + 50_000_000n);
  });

  it('accepts Z, z and numeric offsets, which move the instant', () => {
    expect(parseTimestampNs('2024-03-15T12:34:56z')).toBe(base);
    expect(parseTimestampNs('2024-03-15T12:34:56+00:00')).toBe(base);
    expect(parseTimestampNs('2024-03-15T12:34:56-00:00')).toBe(base);
    expect(parseTimestampNs('2024-03-15T18:04:56+05:30')).toBe(base);
    expect(parseTimestampNs('2024-03-15T04:34:56-08:00')).toBe(base);
    expect(parseTimestampNs('2024-03-15T04:34:56.25-08:00')).toBe(base + 250_000_000n);
    // An offset can move the instant across a day boundary.
    expect(parseTimestampNs('2024-03-16T01:00:00+05:30')).toBe(utcNs(2024, 3, 15, 19, 30));
    expect(parseTimestampNs('2024-03-15T20:00:00-08:00')).toBe(utcNs(2024, 3, 16, 4));
  });

  it("accepts a space or a lowercase 't' between date and time", () => {
    expect(parseTimestampNs('2024-03-15 12:34:56Z')).toBe(base);
    expect(parseTimestampNs('2024-03-15t12:34:56z')).toBe(base);
    expect(parseTimestampNs('2024-03-15 12:34:56.123456+00:00')).toBe(base + 123_456_000n);
  });

  it('is exact at day, month and year boundaries', () => {
    const newYear = parseTimestampNs('2025-01-01T00:00:00Z');
    expect(parseTimestampNs('2024-12-31T23:59:59.999999999Z')).toBe(newYear - 1n);
    expect(newYear).toBe(utcNs(2025, 1, 1));
    expect(parseTimestampNs('2024-02-29T23:59:59.999999999Z') + 1n).toBe(
      parseTimestampNs('2024-03-01T00:00:00Z'),
    );
    expect(parseTimestampNs('2024-03-01T00:00:00Z') - parseTimestampNs('2024-02-28T00:00:00Z')).toBe(
      2n * NS_PER_DAY,
    );
    expect(parseTimestampNs('2023-03-01T00:00:00Z') - parseTimestampNs('2023-02-28T00:00:00Z')).toBe(
      NS_PER_DAY,
    );
  });

  it('knows the Gregorian leap years', () => {
    expect(parseTimestampNs('2024-02-29T00:00:00Z')).toBe(utcNs(2024, 2, 29));
    expect(parseTimestampNs('2000-02-29T00:00:00Z')).toBe(utcNs(2000, 2, 29));
    expect(parseTimestampNsOrReason('2100-02-29T00:00:00Z')).toBe('day out of range');
    expect(parseTimestampNsOrReason('1900-02-29T00:00:00Z')).toBe('day out of range');
    expect(parseTimestampNsOrReason('2023-02-29T00:00:00Z')).toBe('day out of range');
    expect(parseTimestampNsOrReason('2024-04-31T00:00:00Z')).toBe('day out of range');
    expect(parseTimestampNsOrReason('2024-12-32T00:00:00Z')).toBe('day out of range');
    expect(parseTimestampNsOrReason('2024-01-00T00:00:00Z')).toBe('day out of range');
  });

  it('handles instants before 1970 and far in the future', () => {
    expect(parseTimestampNs('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseTimestampNs('1969-12-31T23:59:59.999999999Z')).toBe(-1n);
    expect(parseTimestampNs('1900-01-01T00:00:00Z')).toBe(utcNs(1900, 1, 1));
    expect(parseTimestampNs('1600-03-01T12:00:00.5Z')).toBe(utcNs(1600, 3, 1, 12, 0, 0, 500_000_000n));
    expect(parseTimestampNs('9999-12-31T23:59:59.999999999Z')).toBe(
      utcNs(9999, 12, 31, 23, 59, 59, 999_999_999n),
    );
    expect(parseTimestampNs('0001-01-01T00:00:00Z')).toBe(-62_135_596_800n * 1_000_000_000n);
  });

  it('reads a leap second as second 59 of its minute, fraction kept: the date stays the written one', () => {
    expect(parseTimestampNs('2016-12-31T23:59:60Z')).toBe(utcNs(2016, 12, 31, 23, 59, 59));
    expect(parseTimestampNs('2016-12-31T23:59:60.123456789Z')).toBe(
      utcNs(2016, 12, 31, 23, 59, 59, 123_456_789n),
    );
    expect(utcDateKey(parseTimestampNs('2016-12-31T23:59:60.999999999Z'))).toBe('2016-12-31');
    // In another zone the leap second is still the last second of the written minute.
    expect(parseTimestampNs('2017-01-01T00:59:60.5+01:00')).toBe(
      utcNs(2016, 12, 31, 23, 59, 59, 500_000_000n),
    );
  });

  it('round-trips thousands of random instants against Date.UTC', () => {
    const random = prng(20240229);
    const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
    for (let i = 0; i < 5000; i++) {
      const y = int(1000, 9999);
      const mo = int(1, 12);
      const d = int(1, new Date(Date.UTC(y, mo, 0)).getUTCDate());
      const [h, mi, s] = [int(0, 23), int(0, 59), int(0, 59)];
      const fractionDigits = int(0, 9);
      const fraction = fractionDigits
        ? String(int(0, 10 ** fractionDigits - 1)).padStart(fractionDigits, '0')
        : '';
      const fractionNs = fractionDigits ? BigInt(fraction) * 10n ** BigInt(9 - fractionDigits) : 0n;
      const offsetMinutes = i % 3 === 0 ? 0 : int(-23 * 60 - 59, 23 * 60 + 59);
      const abs = Math.abs(offsetMinutes);
      const zone =
        offsetMinutes === 0 && i % 2 === 0
          ? 'Z'
          : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
      const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${fraction ? `.${fraction}` : ''}${zone}`;
      // Date.UTC normalises the out-of-range minutes that subtracting the offset produces.
      const expected = utcNs(y, mo, d, h, mi - offsetMinutes, s, fractionNs);
      const ns = parseTimestampNs(text);
      expect(ns, text).toBe(expected);
      const formatted = formatTimestampNs(ns);
      expect(parseTimestampNs(formatted), text).toBe(ns);
      // The seconds part of the formatted text agrees with Date's own formatting.
      const iso = new Date(Number(ns / NS_PER_MS - (ns % NS_PER_MS < 0n ? 1n : 0n))).toISOString();
      expect(formatted.slice(0, 19), text).toBe(iso.slice(0, 19));
      expect(formatTimestampNs(ns, 9).slice(20, 29), text).toBe(String(fractionNs).padStart(9, '0'));
    }
  });

  it('rejects malformed input with the reason', () => {
    const cases: [string, string][] = [
      ['2024-01-01T00:00:00.1234567890Z', 'more than 9 fractional digits'],
      ['2024-01-01T00:00:00.123456789012345678901234567890Z', 'more than 9 fractional digits'],
      ['2024-13-01T00:00:00Z', 'month out of range'],
      ['2024-00-01T00:00:00Z', 'month out of range'],
      ['2024-01-01T00:00:00+24:00', 'bad UTC offset'],
      ['2024-01-01T00:00:00+05:60', 'bad UTC offset'],
      ['2024-01-01T00:00:00+0530', 'bad UTC offset'],
      ['2024-01-01T00:00:00+5:30', 'bad UTC offset'],
      ['2024-01-01T00:00:00+05:', 'bad UTC offset'],
      ['2024-01-01T00:00:00+05:3', 'bad UTC offset'],
      ['2024-01-01T00:00:00+0', 'bad UTC offset'],
      ['2024-01-01T00:00:00-ab:cd', 'bad UTC offset'],
      ['2024-01-01T00:00:00Z ', 'trailing characters'],
      ['2024-01-01T00:00:00ZZ', 'trailing characters'],
      ['2024-01-01T00:00:00+00:00x', 'trailing characters'],
      ['2024-01-01T00:00:00.123Z\n', 'trailing characters'],
      ['', 'too short'],
      ['2024-01-01', 'too short'],
      ['2024-01-01T00:00:00', 'too short'],
      ['2024-01-01T00:00:00.123', "missing 'Z' or UTC offset"],
      ['2024-01-01T00:00:00.123456', "missing 'Z' or UTC offset"],
      ['2024-01-01T00:00:00 UTC', "missing 'Z' or UTC offset"],
      ['2024-01-01T00:00:00.Z', 'no digits after the decimal point'],
      ['2024-01-01X00:00:00Z', "expected 'T' between date and time"],
      ['2024/01/01T00:00:00Z', 'bad separators'],
      ['2024-01-01T00-00-00Z', 'bad separators'],
      ['2024-0a-01T00:00:00Z', 'expected digits'],
      ['+2024-01-01T00:00:00Z', 'expected digits'],
      ['2024-01-01T24:00:00Z', 'time out of range'],
      ['2024-01-01T12:60:00Z', 'time out of range'],
      ['2024-01-01T12:00:61Z', 'time out of range'],
    ];
    for (const [input, reason] of cases) {
      expect(parseTimestampNsOrReason(input), JSON.stringify(input)).toBe(reason);
      expect(() => parseTimestampNs(input), JSON.stringify(input)).toThrow(reason);
    }
    expect(parseTimestampNsOrReason(1_700_000_000 as unknown as string)).toBe('not a string');
  });

  it('throws a TimestampError that names the input and the reason', () => {
    let caught: unknown;
    try {
      parseTimestampNs('2024-13-01T00:00:00Z');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TimestampError);
    expect(caught).toBeInstanceOf(EtlError);
    const error = caught as TimestampError;
    expect(error.code).toBe('E_TIMESTAMP');
    expect(error.name).toBe('TimestampError');
    expect(error.input).toBe('2024-13-01T00:00:00Z');
    expect(error.message).toBe('invalid RFC 3339 timestamp "2024-13-01T00:00:00Z": month out of range');
    // Long garbage is cut in the message but kept whole on the error.
    const long = `2024-01-01T00:00:00.${'1'.repeat(200)}Z`;
    const longError = (() => {
      try {
        parseTimestampNs(long);
      } catch (e) {
        return e as TimestampError;
      }
    })();
    expect(longError?.input).toBe(long);
    expect(longError?.message).toBe(
      `invalid RFC 3339 timestamp ${JSON.stringify(long.slice(0, 64))}: more than 9 fractional digits`,
    );
  });
});

describe('formatTimestampNs', () => {
  const ns = parseTimestampNs('2024-03-15T12:34:56.123456789Z');

  it('trims trailing zeros by default and drops an empty fraction', () => {
    expect(formatTimestampNs(ns)).toBe('2024-03-15T12:34:56.123456789Z');
    expect(formatTimestampNs(0n)).toBe('1970-01-01T00:00:00Z');
    expect(formatTimestampNs(1_500_000_000n)).toBe('1970-01-01T00:00:01.5Z');
    expect(formatTimestampNs(1n)).toBe('1970-01-01T00:00:00.000000001Z');
    expect(formatTimestampNs(utcNs(2024, 2, 29, 23, 59, 59, 120_000_000n))).toBe('2024-02-29T23:59:59.12Z');
  });

  it('prints exactly the fixed number of digits, truncating', () => {
    const expected = [
      '2024-03-15T12:34:56Z',
      '2024-03-15T12:34:56.1Z',
      '2024-03-15T12:34:56.12Z',
      '2024-03-15T12:34:56.123Z',
      '2024-03-15T12:34:56.1234Z',
      '2024-03-15T12:34:56.12345Z',
      '2024-03-15T12:34:56.123456Z',
      '2024-03-15T12:34:56.1234567Z',
      '2024-03-15T12:34:56.12345678Z',
      '2024-03-15T12:34:56.123456789Z',
    ];
    for (let digits = 0; digits <= 9; digits++) expect(formatTimestampNs(ns, digits)).toBe(expected[digits]);
    expect(formatTimestampNs(0n, 6)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatTimestampNs(999_999_999n, 3)).toBe('1970-01-01T00:00:00.999Z');
  });

  it('floors negative instants to the earlier second', () => {
    expect(formatTimestampNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatTimestampNs(-1n, 3)).toBe('1969-12-31T23:59:59.999Z');
    expect(formatTimestampNs(-1_000_000_000n)).toBe('1969-12-31T23:59:59Z');
    expect(formatTimestampNs(utcNs(1900, 1, 1))).toBe('1900-01-01T00:00:00Z');
    expect(formatTimestampNs(-62_135_596_800n * 1_000_000_000n)).toBe('0001-01-01T00:00:00Z');
  });

  it('rejects a digit count outside 0..9', () => {
    for (const bad of [-1, 10, 1.5, Number.NaN]) {
      expect(() => formatTimestampNs(ns, bad)).toThrow(RangeError);
    }
  });
});

describe('partition keys', () => {
  const midnight = parseTimestampNs('2024-03-10T00:00:00Z');

  it('utcDateKey and utcHourKey change exactly at midnight', () => {
    expect(utcDateKey(midnight - 1n)).toBe('2024-03-09');
    expect(utcHourKey(midnight - 1n)).toBe('23');
    expect(utcDateKey(midnight)).toBe('2024-03-10');
    expect(utcHourKey(midnight)).toBe('0');
    expect(utcDateKey(midnight + 1n)).toBe('2024-03-10');
    expect(utcHourKey(midnight + 1n)).toBe('0');
    // Alternating days exercise the one-entry cache.
    expect([midnight - 1n, midnight, midnight - 1n, midnight + NS_PER_DAY].map(utcDateKey)).toEqual([
      '2024-03-09',
      '2024-03-10',
      '2024-03-09',
      '2024-03-11',
    ]);
  });

  it('gives every hour of the day', () => {
    const hours = Array.from({ length: 24 }, (_, h) =>
      utcHourKey(midnight + BigInt(h) * 3_600_000_000_000n + 59n),
    );
    expect(hours).toEqual(Array.from({ length: 24 }, (_, h) => String(h)));
    expect(utcHourKey(midnight + 3_600_000_000_000n - 1n)).toBe('0');
  });

  it('floors negative instants', () => {
    expect(utcDateKey(-1n)).toBe('1969-12-31');
    expect(utcHourKey(-1n)).toBe('23');
    expect(utcDateKey(-NS_PER_DAY)).toBe('1969-12-31');
    expect(utcDateKey(-NS_PER_DAY - 1n)).toBe('1969-12-30');
    expect(utcHourKey(-3_600_000_000_000n)).toBe('23');
    expect(utcHourKey(-3_600_000_000_001n)).toBe('22');
    expect(utcDateKey(utcNs(1900, 3, 1, 5))).toBe('1900-03-01');
    expect(utcHourKey(utcNs(1900, 3, 1, 5))).toBe('5');
  });

  it('epochDay and dateKeyFromDay agree with the calendar', () => {
    expect(epochDay(0n)).toBe(0);
    expect(epochDay(-1n)).toBe(-1);
    expect(epochDay(midnight)).toBe(19792);
    expect(dateKeyFromDay(0)).toBe('1970-01-01');
    expect(dateKeyFromDay(-1)).toBe('1969-12-31');
    expect(dateKeyFromDay(19792)).toBe('2024-03-10');
    expect(dateKeyFromDay(-719468)).toBe('0000-03-01');
  });
});

describe('civil dates', () => {
  it('daysFromCivil matches Date.UTC and civilFromDays inverts it', () => {
    // Every 7th day from 1000-01-01 to 9999-12-31, plus both ends.
    const first = daysFromCivil(1000, 1, 1);
    const last = daysFromCivil(9999, 12, 31);
    expect(first).toBe(Date.UTC(1000, 0, 1) / 86_400_000);
    expect(last).toBe(Date.UTC(9999, 11, 31) / 86_400_000);
    const mismatches: number[] = [];
    let checked = 0;
    for (let day = first; day <= last; day += 7) {
      const date = new Date(day * 86_400_000);
      const civil = civilFromDays(day);
      checked++;
      if (
        civil.year !== date.getUTCFullYear() ||
        civil.month !== date.getUTCMonth() + 1 ||
        civil.day !== date.getUTCDate() ||
        daysFromCivil(civil.year, civil.month, civil.day) !== day
      ) {
        mismatches.push(day);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(Math.floor((last - first) / 7) + 1);
  });
});

describe('dayFromDateKey', () => {
  it('reads valid dates', () => {
    expect(dayFromDateKey('1970-01-01')).toBe(0);
    expect(dayFromDateKey('2024-02-29')).toBe(epochDay(utcNs(2024, 2, 29)));
    expect(dayFromDateKey('2000-02-29')).toBe(epochDay(utcNs(2000, 2, 29)));
    expect(dayFromDateKey('1969-12-31')).toBe(-1);
    expect(dateKeyFromDay(dayFromDateKey('9999-12-31'))).toBe('9999-12-31');
  });

  it('throws E_DATE errors naming the key and the reason', () => {
    const cases: [string, string][] = [
      ['2023-02-29', 'day out of range'],
      ['2100-02-29', 'day out of range'],
      ['2024-04-31', 'day out of range'],
      ['2024-01-00', 'day out of range'],
      ['2024-13-01', 'month out of range'],
      ['2024-00-01', 'month out of range'],
      ['2024-1-01', 'expected YYYY-MM-DD'],
      ['2024/01/01', 'expected YYYY-MM-DD'],
      ['2024-01-xx', 'expected YYYY-MM-DD'],
      ['2024-01-011', 'expected YYYY-MM-DD'],
      ['', 'expected YYYY-MM-DD'],
      ['2024-01-01T00:00:00Z', 'expected YYYY-MM-DD'],
    ];
    for (const [key, reason] of cases) {
      let caught: unknown;
      try {
        dayFromDateKey(key);
      } catch (error) {
        caught = error;
      }
      expect(caught, key).toBeInstanceOf(EtlError);
      expect((caught as EtlError).code).toBe('E_DATE');
      expect((caught as EtlError).message).toBe(`invalid date ${JSON.stringify(key)}: ${reason}`);
    }
  });
});

describe('convertTimeUnit', () => {
  it('scales up exactly', () => {
    expect(convertTimeUnit(1n, 'ms', 'ns')).toBe(1_000_000n);
    expect(convertTimeUnit(-3n, 'us', 'ns')).toBe(-3_000n);
    expect(convertTimeUnit(7n, 'ms', 'us')).toBe(7_000n);
    expect(convertTimeUnit(123n, 'ns', 'ns')).toBe(123n);
  });

  it('floors when precision is dropped, negatives included', () => {
    expect(convertTimeUnit(1_999n, 'ns', 'us')).toBe(1n);
    expect(convertTimeUnit(-1n, 'ns', 'us')).toBe(-1n);
    expect(convertTimeUnit(-1_000n, 'ns', 'us')).toBe(-1n);
    expect(convertTimeUnit(-1_001n, 'ns', 'us')).toBe(-2n);
    expect(convertTimeUnit(-1n, 'ns', 'ms')).toBe(-1n);
    expect(convertTimeUnit(-1n, 'us', 'ms')).toBe(-1n);
    expect(convertTimeUnit(1_234_567_891n, 'ns', 'ms')).toBe(1_234n);
  });
});
