/**
 * Parquet physical/logical types → core column types, and the hyparquet parsers that make decoded
 * values follow core conventions (timestamps as exact bigint, dates as 'YYYY-MM-DD').
 */
import { col, dateKeyFromDay, type Field, type FieldOptions, type TimeUnit } from '@etl/core';
import type { FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';

/** A top-level column of a Parquet file, as the reader exposes it. */
export interface FileColumn {
  readonly name: string;
  /** Undefined when the column has no core type; `unsupported` then says why. */
  readonly field?: Field;
  readonly unsupported?: string;
  /** Decoded as numbers that may exceed int32 (UINT_32): the reader turns them into bigint. */
  readonly widenToBigInt?: boolean;
}

const TIME_UNITS: Readonly<Record<string, TimeUnit>> = { NANOS: 'ns', MICROS: 'us', MILLIS: 'ms' };

function unsupported(name: string, what: string): FileColumn {
  return { name, unsupported: `${what} has no core column type; leave it out with the columns option` };
}

function mapInt32(e: SchemaElement, options: FieldOptions): FileColumn {
  const lt = e.logical_type;
  if (e.converted_type === 'DATE' || lt?.type === 'DATE')
    return { name: e.name, field: col.date(e.name, options) };
  if (e.converted_type === 'TIME_MILLIS' || lt?.type === 'TIME') return unsupported(e.name, 'TIME');
  if (e.converted_type === 'DECIMAL' || lt?.type === 'DECIMAL')
    return { name: e.name, field: col.double(e.name, options) };
  if (e.converted_type === 'UINT_32' || (lt?.type === 'INTEGER' && lt.bitWidth === 32 && !lt.isSigned)) {
    return { name: e.name, field: col.int64(e.name, options), widenToBigInt: true };
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
  if (e.converted_type === 'DECIMAL' || lt?.type === 'DECIMAL')
    return { name: e.name, field: col.double(e.name, options) };
  return { name: e.name, field: col.int64(e.name, options) };
}

function mapBinary(e: SchemaElement, options: FieldOptions): FileColumn {
  const lt = e.logical_type;
  if (e.converted_type === 'DECIMAL' || lt?.type === 'DECIMAL')
    return { name: e.name, field: col.double(e.name, options) };
  if (e.type === 'FIXED_LEN_BYTE_ARRAY') {
    if (lt?.type === 'UUID') return { name: e.name, field: col.string(e.name, options) };
    if (lt?.type === 'FLOAT16') return { name: e.name, field: col.double(e.name, options) };
    return unsupported(e.name, `FIXED_LEN_BYTE_ARRAY${e.converted_type ? ` (${e.converted_type})` : ''}`);
  }
  if (e.converted_type === 'BSON' || lt?.type === 'BSON') return unsupported(e.name, 'BSON');
  if (lt?.type === 'GEOMETRY' || lt?.type === 'GEOGRAPHY') return unsupported(e.name, lt.type);
  // UTF8/STRING/ENUM/JSON and unannotated byte arrays all decode as UTF-8 text.
  return { name: e.name, field: col.string(e.name, options) };
}

/** Maps one top-level schema element (and whether it has children) to a {@link FileColumn}. */
export function fileColumnOf(e: SchemaElement, hasChildren: boolean): FileColumn {
  if (hasChildren) return unsupported(e.name, 'a nested (group) column');
  if (e.repetition_type === 'REPEATED') return unsupported(e.name, 'a repeated column');
  const options: FieldOptions = { nullable: e.repetition_type !== 'REQUIRED' };
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
      return mapBinary(e, options);
    default:
      return unsupported(e.name, `physical type ${String(e.type)}`);
  }
}

/** The top-level columns of a file, in file order. */
export function fileColumnsOf(metadata: FileMetaData): FileColumn[] {
  const schema = metadata.schema;
  const out: FileColumn[] = [];
  // The flat schema list is a depth-first tree; skip the descendants of each top-level element.
  let i = 1;
  while (i < schema.length) {
    const e = schema[i]!;
    const children = e.num_children ?? 0;
    out.push(fileColumnOf(e, children > 0));
    i += 1 + descendants(schema, i);
  }
  return out;
}

function descendants(schema: readonly SchemaElement[], at: number): number {
  let count = 0;
  let pending = schema[at]?.num_children ?? 0;
  let i = at + 1;
  while (pending > 0 && i < schema.length) {
    pending += (schema[i]!.num_children ?? 0) - 1;
    count++;
    i++;
  }
  return count;
}

const keepBigInt = (value: bigint): bigint => value;
const utf8 = new TextDecoder();

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
