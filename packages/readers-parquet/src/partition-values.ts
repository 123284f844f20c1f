/**
 * Restoring typed values from Hive partition path segments.
 *
 * Inference follows DuckDB's `hive_types_autocast`, simplified: a column whose every non-null value
 * is a valid `YYYY-MM-DD` date is `date` (value stays the `'YYYY-MM-DD'` string, per core
 * conventions); one whose every value is an integer written canonically (no leading zero, no `+`,
 * fits in 64 bits) is `int64` (bigint); anything else is `string`. Like DuckDB, `hour=05` stays a
 * string because `05` does not round-trip through an integer. Set `partitionTypes` to override.
 */
import { type ColumnType, col, dayFromDateKey, EtlError, type Field } from '@etl/core';
import type { PartitionValue } from './partition-filter.js';

export type PartitionType = 'string' | 'int64' | 'int32' | 'date' | 'double';

export const PARTITION_TYPES: readonly PartitionType[] = ['string', 'int64', 'int32', 'date', 'double'];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isDateKey(value: string): boolean {
  if (value.length !== 10 || value[4] !== '-' || value[7] !== '-') return false;
  try {
    dayFromDateKey(value);
    return true;
  } catch {
    return false;
  }
}

const CANONICAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const ANY_INTEGER = /^[+-]?[0-9]+$/;

function isCanonicalInt64(value: string): boolean {
  if (!CANONICAL_INTEGER.test(value) || value === '-0') return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** The type of a partition column from its raw (unescaped) values; nulls say nothing. */
export function inferPartitionType(values: Iterable<string | null>): PartitionType {
  let allDates = true;
  let allIntegers = true;
  let any = false;
  for (const v of values) {
    if (v === null) continue;
    any = true;
    if (allDates && !isDateKey(v)) allDates = false;
    if (allIntegers && !isCanonicalInt64(v)) allIntegers = false;
    if (!allDates && !allIntegers) return 'string';
  }
  if (!any) return 'string';
  return allDates ? 'date' : allIntegers ? 'int64' : 'string';
}

function badValue(file: string, key: string, raw: string, type: PartitionType): EtlError {
  return new EtlError(
    `${file}: partition ${key}=${JSON.stringify(raw)} is not a valid ${type} (see partitionTypes)`,
    'E_PARTITION_VALUE',
  );
}

/** The typed value of a raw partition value; throws an error naming the file when it does not parse. */
export function parsePartitionValue(
  raw: string | null,
  type: PartitionType,
  key: string,
  file: string,
): PartitionValue {
  if (raw === null) return null;
  switch (type) {
    case 'string':
      return raw;
    case 'date':
      if (!isDateKey(raw)) throw badValue(file, key, raw, type);
      return raw;
    case 'int64': {
      // Explicitly typed columns also accept leading zeros and a sign (`hour=05` → 5n).
      if (!ANY_INTEGER.test(raw)) throw badValue(file, key, raw, type);
      const n = BigInt(raw);
      if (n < INT64_MIN || n > INT64_MAX) throw badValue(file, key, raw, type);
      return n;
    }
    case 'int32': {
      const n = Number(raw);
      if (!ANY_INTEGER.test(raw) || n < -0x80000000 || n > 0x7fffffff) throw badValue(file, key, raw, type);
      return n;
    }
    case 'double': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) throw badValue(file, key, raw, type);
      return n;
    }
  }
}

const CORE_TYPE: Readonly<Record<PartitionType, ColumnType>> = {
  string: 'string',
  int64: 'int64',
  int32: 'int32',
  date: 'date',
  double: 'double',
};

/** The core schema field of a partition column. */
export function partitionField(name: string, type: PartitionType, nullable: boolean): Field {
  const options = { nullable, description: 'Hive partition column' };
  switch (CORE_TYPE[type]) {
    case 'int64':
      return col.int64(name, options);
    case 'int32':
      return col.int32(name, options);
    case 'date':
      return col.date(name, options);
    case 'double':
      return col.double(name, options);
    default:
      return col.string(name, options);
  }
}
