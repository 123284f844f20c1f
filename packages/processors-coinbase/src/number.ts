/**
 * Strict parsing of the decimal strings Coinbase sends for every price and size.
 *
 * Grammar (checked by hand, no regular expression, because this runs several times per level2
 * row): `-?D+(.D+)?([eE][+-]?D+)?` where D is an ASCII digit. So `'65083.66'`, `'-0.5'`, `'126296'`
 * and `'1.5e-7'` are accepted (Coinbase has not been seen sending exponents, but a decimal string
 * with one is still an exact decimal, so it is accepted rather than dropped); `''`, `'NaN'`,
 * `'Infinity'`, `'0.-10000'`, `'0x1A'`, `'+1'`, `'.5'`, `'1.'`, `' 1'`, anything that overflows to
 * ±Infinity and a non-zero decimal that underflows to 0 (`'1e-400'`) are rejected: either would
 * store a value the exchange did not send. Accepted strings go through `Number()`, which rounds to the nearest
 * double: a decimal of up to 15 significant digits therefore round-trips exactly.
 */

/** True for ASCII `0`–`9`. */
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Index just past a run of digits starting at `i`. */
function skipDigits(s: string, i: number): number {
  const n = s.length;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * The value of a decimal string, or `NaN` when `value` is not one (see the grammar above).
 * Returning `NaN` instead of throwing or allocating a result object keeps the hot path cheap;
 * no accepted input ever yields `NaN`.
 */
export function parseDecimalOrNaN(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const n = value.length;
  let i = n > 0 && value.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const intStart = i;
  i = skipDigits(value, i);
  if (i === intStart) return Number.NaN;
  if (i < n && value.charCodeAt(i) === 46 /* . */) {
    const fracStart = ++i;
    i = skipDigits(value, i);
    if (i === fracStart) return Number.NaN;
  }
  const mantissaEnd = i;
  if (i < n) {
    const c = value.charCodeAt(i);
    if (c !== 101 /* e */ && c !== 69 /* E */) return Number.NaN;
    i++;
    if (i < n) {
      const sign = value.charCodeAt(i);
      if (sign === 43 /* + */ || sign === 45 /* - */) i++;
    }
    const expStart = i;
    i = skipDigits(value, i);
    if (i === expStart || i !== n) return Number.NaN;
  }
  const parsed = Number(value);
  if (parsed === 0) return hasNonZeroDigit(value, intStart, mantissaEnd) ? Number.NaN : parsed;
  return parsed === Number.POSITIVE_INFINITY || parsed === Number.NEGATIVE_INFINITY ? Number.NaN : parsed;
}

/** True when a digit other than 0 occurs in `s` from `start` to `end` (dots are skipped). */
export function hasNonZeroDigit(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 48 && c <= 57) return true;
  }
  return false;
}

/** True when `value` is a decimal string {@link parseDecimalOrNaN} accepts. */
export function isDecimalString(value: unknown): value is string {
  return !Number.isNaN(parseDecimalOrNaN(value));
}

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Epoch nanoseconds of a string of whole epoch seconds (how candles carry `start`), or
 * `undefined` when it is not 1–12 ASCII digits (12 digits reach the year 33658).
 */
export function parseEpochSecondsNs(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const n = value.length;
  if (n === 0 || n > 12 || skipDigits(value, 0) !== n) return undefined;
  return BigInt(value) * NS_PER_SECOND;
}
