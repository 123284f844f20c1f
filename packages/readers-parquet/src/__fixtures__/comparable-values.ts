/**
 * Test support: values from DuckDB (`@duckdb/node-api` value objects) and from the reader brought
 * to one comparable form, so every value of every column can be compared: timestamps as epoch
 * nanoseconds, dates as 'YYYY-MM-DD', decimals as exact strings, blobs as bytes, lists as arrays,
 * structs as objects, maps as `{ key, value }` arrays.
 */
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUUIDValue,
} from '@duckdb/node-api';
import { dateKeyFromDay, type Field, type Row } from '@etl/core';

const NS_PER: Readonly<Record<string, bigint>> = { ns: 1n, us: 1000n, ms: 1_000_000n };

function decimalString(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const cut = digits.length - scale;
  const body = scale === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return negative ? `-${body}` : body;
}

/** A DuckDB value in the comparable form. */
export function fromDuckDB(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return v;
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(fromDuckDB);
  if (v instanceof DuckDBStructValue) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v.entries)) out[k] = fromDuckDB(item);
    return out;
  }
  if (v instanceof DuckDBMapValue)
    return v.entries.map((e) => ({ key: fromDuckDB(e.key), value: fromDuckDB(e.value) }));
  if (v instanceof DuckDBDecimalValue) return decimalString(v.value, v.scale);
  if (v instanceof DuckDBBlobValue) return new Uint8Array(v.bytes);
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos;
  if (v instanceof DuckDBTimestampMillisecondsValue) return v.millis * 1_000_000n;
  if (v instanceof DuckDBTimestampSecondsValue) return v.seconds * 1_000_000_000n;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros * 1000n;
  if (v instanceof DuckDBDateValue) return dateKeyFromDay(v.days);
  if (v instanceof DuckDBUUIDValue) return v.toString();
  return v;
}

/** A reader value of `field` in the comparable form. */
export function fromReader(v: unknown, field: Field | undefined): unknown {
  if (v === null || v === undefined || !field) return v ?? null;
  switch (field.type) {
    case 'timestamp':
      return (v as bigint) * (NS_PER[field.unit ?? 'ns'] ?? 1n);
    case 'list':
      return (v as unknown[]).map((item) => fromReader(item, field.children?.[0]));
    case 'map':
      return (v as { key: unknown; value: unknown }[]).map((e) => ({
        key: fromReader(e.key, field.children?.[0]),
        value: fromReader(e.value, field.children?.[1]),
      }));
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const child of field.children ?? []) out[child.name] = fromReader((v as Row)[child.name], child);
      return out;
    }
    default:
      return v;
  }
}

/** Where two comparable values differ (a path and both values), or undefined when they are equal. */
export function difference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    if (Number.isNaN(a) && Number.isNaN(b)) return undefined;
    // int32 vs int64 conventions differ between the two sides (e.g. UINT_32): compare numerically.
    if (Number.isInteger(Number(a)) && Number.isInteger(Number(b)) && BigInt(a) === BigInt(b))
      return undefined;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]) ? undefined : `${path}: bytes differ`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = difference((a as Row)[k], (b as Row)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  const show = (x: unknown) => (typeof x === 'bigint' ? `${x}n` : (JSON.stringify(x) ?? String(x)));
  return `${path}: ${show(a)} vs ${show(b)}`;
}
