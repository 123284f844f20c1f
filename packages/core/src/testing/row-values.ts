/**
 * Comparing, copying and freezing row values for the conformance kit. Rows hold bigint, which
 * neither JSON nor most deep-equal helpers handle, and a failed check must say where two outputs
 * differ, not only that they do.
 */

const MAX_DESCRIPTION = 120;
const BIGINT_MARK = /"\\u0000(-?\d+n)"/g;

/** Short, bigint-aware text of a value for failure details (`5n`, `"BTC-USD"`, `{"a":1}`). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'function') return 'a function';
  let text: string;
  try {
    // JSON has no bigint: mark them, then unquote the marks so `5n` does not read as the string "5n".
    text = (
      JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}n` : v)) ??
      String(value)
    ).replace(BIGINT_MARK, '$1');
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function sameScalar(a: unknown, b: unknown): boolean {
  // NaN equals NaN here: a processor that emits NaN twice is deterministic.
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Where two values first differ (`[3].vwap: 1.5 vs 1.25`), or undefined when they are deeply
 * equal. Types must match exactly: `5n` and `5` differ, as they would in a Parquet column.
 */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  const at = path || 'value';
  if (sameScalar(a, b)) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return `${at}: ${describeValue(a)} vs ${describeValue(b)}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${at}: ${describeValue(a)} vs ${describeValue(b)}`;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (a.length !== b.length) {
      const extra = a.length > b.length ? a[n] : b[n];
      return `${at}: ${a.length} vs ${b.length} items (first unmatched: ${describeValue(extra)})`;
    }
    return undefined;
  }
  if (a instanceof Date || b instanceof Date) {
    if (!(a instanceof Date) || !(b instanceof Date) || !sameScalar(a.getTime(), b.getTime())) {
      return `${at}: ${describeValue(a)} vs ${describeValue(b)}`;
    }
    return undefined;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    const x = ArrayBuffer.isView(a) ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : undefined;
    const y = ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : undefined;
    if (!x || !y || x.length !== y.length || x.some((v, i) => v !== y[i])) return `${at}: bytes differ`;
    return undefined;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of Object.keys(ra)) {
    if (!Object.hasOwn(rb, key)) return `${path}.${key}: ${describeValue(ra[key])} vs missing`;
    const d = firstDifference(ra[key], rb[key], `${path}.${key}`);
    if (d) return d;
  }
  for (const key of Object.keys(rb)) {
    if (!Object.hasOwn(ra, key)) return `${path}.${key}: missing vs ${describeValue(rb[key])}`;
  }
  return undefined;
}

/**
 * Like {@link firstDifference} for two lists of rows, with both whole rows at the first
 * differing index appended, since one field rarely tells the story.
 */
export function firstRowDifference(a: readonly unknown[], b: readonly unknown[]): string | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = firstDifference(a[i], b[i], `[${i}]`);
    if (d) return `${d} (rows: ${describeValue(a[i])} vs ${describeValue(b[i])})`;
  }
  return firstDifference(a, b);
}

/** A deep copy of plain objects and arrays (Dates and byte arrays copied too, other objects shared). */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (ArrayBuffer.isView(value) && 'slice' in value && typeof value.slice === 'function')
    return value.slice() as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = cloneValue(value[key]);
    return out as T;
  }
  return value;
}

/** Freezes plain objects and arrays all the way down (byte arrays cannot be frozen and are left). */
export function deepFreeze<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
    Object.freeze(value);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) deepFreeze(value[key]);
    Object.freeze(value);
  }
  return value;
}

/** True for a value that can be a row: a non-null, non-array object. */
export function isRowObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
