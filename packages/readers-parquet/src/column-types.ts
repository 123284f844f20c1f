/**
 * Parquet physical/logical types of leaf columns → core column types, the conversions that make
 * decoded values follow core conventions, and the hyparquet parsers (timestamps as exact bigint,
 * dates as 'YYYY-MM-DD').
 */
import { col, dateKeyFromDay, type Field, type FieldOptions, type TimeUnit } from '@etl/core';
import type { ParquetParsers, SchemaElement } from 'hyparquet';
import { formatDecimal } from './decimal.js';

/**
 * Turns one value as hyparquet decodes it (null and undefined included: a repeated field's
 * absence means `[]`, not null) into the core convention.
 */
export type ValueConverter = (value: unknown) => unknown;

/** `convert` for non-null values; null and undefined become null. */
export function nullSafe(convert: ValueConverter): ValueConverter {
  return (v) => (v === null || v === undefined ? null : convert(v));
}

/** A column of a Parquet file (top-level, or inside a nested one), as the reader exposes it. */
export interface FileColumn {
  readonly name: string;
  /** Undefined when the column has no core type; `unsupported` then says why. */
  readonly field?: Field;
  readonly unsupported?: string;
  /** Undefined when hyparquet's values already follow the core convention (the fast path). */
  readonly convert?: ValueConverter;
}

export interface TypeMappingOptions {
  /** Read un-annotated BYTE_ARRAY columns as UTF-8 strings instead of binary (like DuckDB's binary_as_string). */
  readonly binaryAsString?: boolean;
}

const TIME_UNITS: Readonly<Record<string, TimeUnit>> = { NANOS: 'ns', MICROS: 'us', MILLIS: 'ms' };
const utf8 = new TextDecoder();

export function unsupported(name: string, what: string): FileColumn {
  return { name, unsupported: `${what} has no core column type; leave it out with the columns option` };
}

export function isDecimal(e: SchemaElement): boolean {
  return e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL';
}

function decimalColumn(e: SchemaElement, options: FieldOptions): FileColumn {
  const lt = e.logical_type;
  const precision = (lt?.type === 'DECIMAL' ? lt.precision : e.precision) ?? 38;
  const scale = (lt?.type === 'DECIMAL' ? lt.scale : e.scale) ?? 0;
  return {
    name: e.name,
    field: col.decimal(e.name, precision, scale, options),
    convert: nullSafe((v) => formatDecimal(v, scale)),
  };
}

const toBigInt = nullSafe((v) => (typeof v === 'number' ? BigInt(v) : v));
const bytesToString = nullSafe((v) => (v instanceof Uint8Array ? utf8.decode(v) : v));

function mapInt32(e: SchemaElement, options: FieldOptions): FileColumn {
  const lt = e.logical_type;
  if (e.converted_type === 'DATE' || lt?.type === 'DATE')
    return { name: e.name, field: col.date(e.name, options) };
  if (e.converted_type === 'TIME_MILLIS' || lt?.type === 'TIME') return unsupported(e.name, 'TIME');
  if (e.converted_type === 'UINT_32' || (lt?.type === 'INTEGER' && lt.bitWidth === 32 && !lt.isSigned)) {
    return { name: e.name, field: col.int64(e.name, options), convert: toBigInt };
  }
  return { name: e.name, field: col.int32(e.name, options) };
}

function mapInt64(e: SchemaElement, options: FieldOptions): FileColumn {
  const lt = e.logical_type;
  if (lt?.type === 'TIMESTAMP') {
    return { name: e.name, field: col.timestamp(e.name, TIME_UNITS[lt.unit] ?? 'ns', options) };
  }
  if (e.converted_type === 'TIMESTAMP_MICROS')
    return { name: e.name, field: col.timestamp(e.name, 'us', options) };
  if (e.converted_type === 'TIMESTAMP_MILLIS')
    return { name: e.name, field: col.timestamp(e.name, 'ms', options) };
  if (e.converted_type === 'TIME_MICROS' || lt?.type === 'TIME') return unsupported(e.name, 'TIME');
  return { name: e.name, field: col.int64(e.name, options) };
}

function mapBinary(e: SchemaElement, options: FieldOptions, mapping: TypeMappingOptions): FileColumn {
  const lt = e.logical_type;
  const ct = e.converted_type;
  if (e.type === 'FIXED_LEN_BYTE_ARRAY') {
    if (lt?.type === 'UUID') return { name: e.name, field: col.string(e.name, options) };
    if (lt?.type === 'FLOAT16') return { name: e.name, field: col.double(e.name, options) };
    if (ct === 'INTERVAL') return unsupported(e.name, 'INTERVAL');
    return { name: e.name, field: col.binary(e.name, options) };
  }
  if (ct === 'BSON' || lt?.type === 'BSON') return unsupported(e.name, 'BSON');
  if (lt?.type === 'GEOMETRY' || lt?.type === 'GEOGRAPHY') return unsupported(e.name, lt.type);
  if (ct === 'UTF8' || lt?.type === 'STRING' || ct === 'JSON' || lt?.type === 'JSON')
    return { name: e.name, field: col.string(e.name, options) };
  // ENUM arrives as bytes (hyparquet decodes text only for STRING), like un-annotated binary.
  if (ct === 'ENUM' || lt?.type === 'ENUM' || mapping.binaryAsString)
    return { name: e.name, field: col.string(e.name, options), convert: bytesToString };
  return { name: e.name, field: col.binary(e.name, options) };
}

/** Maps one primitive (leaf) schema element, whatever its repetition, to a {@link FileColumn}. */
export function leafColumnOf(
  e: SchemaElement,
  options: FieldOptions,
  mapping: TypeMappingOptions = {},
): FileColumn {
  if (isDecimal(e)) return decimalColumn(e, options);
  switch (e.type) {
    case 'BOOLEAN':
      return { name: e.name, field: col.bool(e.name, options) };
    case 'INT32':
      return mapInt32(e, options);
    case 'INT64':
      return mapInt64(e, options);
    case 'INT96':
      return { name: e.name, field: col.timestamp(e.name, 'ns', options) };
    case 'FLOAT':
    case 'DOUBLE':
      return { name: e.name, field: col.double(e.name, options) };
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      return mapBinary(e, options, mapping);
    default:
      return unsupported(e.name, `physical type ${String(e.type)}`);
  }
}

const keepBigInt = (value: bigint): bigint => value;

/**
 * Parsers for hyparquet: timestamps stay bigint in the file's unit (never `Date`, which would drop
 * everything below the millisecond), dates become 'YYYY-MM-DD', JSON stays text. Each reader gets
 * its own object because the date cache is state.
 */
export function createParsers(): Partial<ParquetParsers> {
  // Rows of one partition share one date: format it once, not per value.
  let lastDay = Number.NaN;
  let lastKey = '';
  return {
    timestampFromMilliseconds: keepBigInt,
    timestampFromMicroseconds: keepBigInt,
    timestampFromNanoseconds: keepBigInt,
    dateFromDays(days: number): string {
      if (days !== lastDay) {
        lastDay = days;
        lastKey = dateKeyFromDay(days);
      }
      return lastKey;
    },
    jsonFromBytes: (bytes: Uint8Array) => bytes && utf8.decode(bytes),
  };
}
