/**
 * Exact time handling. Exchange timestamps carry up to nine fractional digits, more than a JS
 * number or `Date` can hold, so timestamps are epoch nanoseconds as bigint and are parsed by hand
 * (no `Date`, no regular expression on the hot path).
 */
import { EtlError } from './errors.js';

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_DAY = 86_400_000_000_000n;
const NS_PER_HOUR = 3_600_000_000_000n;

/** A string that is not an RFC 3339 timestamp. */
export class TimestampError extends EtlError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid RFC 3339 timestamp ${JSON.stringify(input.slice(0, 64))}: ${reason}`, 'E_TIMESTAMP');
  }
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date of a day number (inverse of {@link daysFromCivil}). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Reads `len` decimal digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, len: number): number {
  // Past the end, charCodeAt gives NaN, which slips through the range test below.
  if (at + len > s.length) return -1;
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const FRACTION_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1];

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` (a space or lowercase `t`/`z` also accepted,
 * as RFC 3339 allows) into epoch nanoseconds. Returns a reason string instead of throwing, so
 * hot paths can quarantine without the cost of an exception.
 */
export function parseTimestampNsOrReason(s: string): bigint | string {
  if (typeof s !== 'string') return 'not a string';
  if (s.length < 20) return 'too short';
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return 'expected digits';
  if (s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return 'bad separators';
  const t = s[10];
  if (t !== 'T' && t !== 't' && t !== ' ') return "expected 'T' between date and time";
  if (month < 1 || month > 12) return 'month out of range';
  if (day < 1 || day > daysInMonth(year, month)) return 'day out of range';
  if (hour > 23 || minute > 59 || second > 60) return 'time out of range';
  let i = 19;
  let fraction = 0;
  if (s[i] === '.') {
    i++;
    const start = i;
    while (i < s.length) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      fraction = fraction * 10 + d;
      i++;
    }
    const n = i - start;
    if (n === 0) return 'no digits after the decimal point';
    if (n > 9) return 'more than 9 fractional digits';
    fraction *= FRACTION_SCALE[n]!;
  }
  let offsetSeconds = 0;
  const z = s[i];
  if (z === 'Z' || z === 'z') {
    i++;
  } else if (z === '+' || z === '-') {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0 || s[i + 3] !== ':' || oh > 23 || om > 59) return 'bad UTC offset';
    offsetSeconds = (oh * 3600 + om * 60) * (z === '-' ? -1 : 1);
    i += 6;
  } else {
    return "missing 'Z' or UTC offset";
  }
  if (i !== s.length) return 'trailing characters';
  // Epoch time has no leap seconds: `:60` is read as `:59` of the same minute (fraction kept),
  // as java.time does, so the row keeps the written date instead of moving to the next day.
  const wholeSeconds = second === 60 ? 59 : second;
  const seconds =
    daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + wholeSeconds - offsetSeconds;
  return BigInt(seconds) * NS_PER_SECOND + BigInt(fraction);
}

/** Parses an RFC 3339 timestamp into epoch nanoseconds; throws {@link TimestampError}. */
export function parseTimestampNs(s: string): bigint {
  const r = parseTimestampNsOrReason(s);
  if (typeof r === 'string') throw new TimestampError(String(s), r);
  return r;
}

/** Floor division for bigint (rounds toward −∞, unlike `/`). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

/**
 * Formats epoch nanoseconds as RFC 3339 in UTC (`Z`). `fractionDigits` fixes the number of
 * fractional digits (0–9); by default trailing zeros are trimmed, so parse→format round-trips the
 * instant exactly.
 */
export function formatTimestampNs(ns: bigint, fractionDigits?: number): string {
  const days = floorDiv(ns, NS_PER_DAY);
  const inDay = ns - days * NS_PER_DAY;
  const secOfDay = Number(inDay / NS_PER_SECOND);
  const frac = Number(inDay % NS_PER_SECOND);
  const { year, month, day } = civilFromDays(Number(days));
  const base = `${pad4(year)}-${pad2(month)}-${pad2(day)}T${pad2(Math.floor(secOfDay / 3600))}:${pad2(Math.floor((secOfDay % 3600) / 60))}:${pad2(secOfDay % 60)}`;
  let f = String(frac).padStart(9, '0');
  if (fractionDigits === undefined) f = f.replace(/0+$/, '');
  else {
    if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 9) {
      throw new RangeError('fractionDigits must be an integer from 0 to 9');
    }
    f = f.slice(0, fractionDigits);
  }
  return f ? `${base}.${f}Z` : `${base}Z`;
}

/** UTC day number (days since 1970-01-01) of an instant. */
export function epochDay(ns: bigint): number {
  return Number(floorDiv(ns, NS_PER_DAY));
}

/** `'YYYY-MM-DD'` of a day number. */
export function dateKeyFromDay(day: number): string {
  const c = civilFromDays(day);
  return `${pad4(c.year)}-${pad2(c.month)}-${pad2(c.day)}`;
}

/**
 * Why `key` is not a `'YYYY-MM-DD'` calendar date, or undefined when it is. Module-internal (not
 * in the package API): shared by {@link dayFromDateKey} and the schema's `date` check.
 */
export function dateKeyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length !== 10 || key[4] !== '-' || key[7] !== '-') {
    return 'expected YYYY-MM-DD';
  }
  const year = digits(key, 0, 4);
  const month = digits(key, 5, 2);
  const day = digits(key, 8, 2);
  if (year < 0 || month < 0 || day < 0) return 'expected YYYY-MM-DD';
  if (month < 1 || month > 12) return 'month out of range';
  if (day < 1 || day > daysInMonth(year, month)) return 'day out of range';
  return undefined;
}

/** Day number of a `'YYYY-MM-DD'` string; throws on anything else. */
export function dayFromDateKey(key: string): number {
  const problem = dateKeyProblem(key);
  if (problem !== undefined) throw new EtlError(`invalid date ${JSON.stringify(key)}: ${problem}`, 'E_DATE');
  return daysFromCivil(digits(key, 0, 4), digits(key, 5, 2), digits(key, 8, 2));
}

let lastDay = Number.NaN;
let lastDayKey = '';

/**
 * UTC date partition key (`'YYYY-MM-DD'`) of an instant. Rows come in time order, so the last
 * day's string is reused instead of formatted again.
 */
export function utcDateKey(ns: bigint): string {
  const day = epochDay(ns);
  if (day !== lastDay) {
    lastDay = day;
    lastDayKey = dateKeyFromDay(day);
  }
  return lastDayKey;
}

// Unpadded, so every engine infers the same integer type for `hour=` directories: DuckDB keeps
// `hour=05` as text (it does not round-trip through an integer) but reads `hour=5` as BIGINT.
const HOUR_KEYS = Array.from({ length: 24 }, (_, h) => String(h));

/** UTC hour partition key (`'0'`–`'23'`, unpadded) of an instant. */
export function utcHourKey(ns: bigint): string {
  const h = Number(floorDiv(ns, NS_PER_HOUR) - floorDiv(ns, NS_PER_DAY) * 24n);
  return HOUR_KEYS[h]!;
}

/** Converts between timestamp units, flooring when precision is dropped. */
export function convertTimeUnit(value: bigint, from: 'ns' | 'us' | 'ms', to: 'ns' | 'us' | 'ms'): bigint {
  const scale = { ns: 1n, us: 1_000n, ms: 1_000_000n } as const;
  const f = scale[from];
  const t = scale[to];
  return f >= t ? value * (f / t) : floorDiv(value, t / f);
}
