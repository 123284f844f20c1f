/**
 * Predicates on Hive partition values, evaluated on paths before any file is opened.
 */
import { ConfigError } from '@etl/core';

/** A partition value as the reader restores it: string (also dates), bigint (int64), number, or null. */
export type PartitionValue = string | number | bigint | null;

/** A range (and/or equality) test; every given bound must hold. */
export interface PartitionRange {
  readonly eq?: PartitionValue;
  readonly gt?: PartitionValue;
  readonly gte?: PartitionValue;
  readonly lt?: PartitionValue;
  readonly lte?: PartitionValue;
}

/** A value (equality), a list of values (IN), or a range. */
export type PartitionPredicate = PartitionValue | readonly PartitionValue[] | PartitionRange;

const RANGE_KEYS: ReadonlySet<string> = new Set(['eq', 'gt', 'gte', 'lt', 'lte']);

function isValue(v: unknown): v is PartitionValue {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'bigint' ||
    (typeof v === 'number' && !Number.isNaN(v))
  );
}

/** Checks the shape of a filter option; throws {@link ConfigError} naming the bad key. */
export function validatePartitionFilter(filter: Readonly<Record<string, PartitionPredicate>>): void {
  for (const [key, predicate] of Object.entries(filter)) {
    const at = `filter.${key}`;
    if (Array.isArray(predicate)) {
      predicate.forEach((v, i) => {
        if (!isValue(v)) throw new ConfigError(`${at}[${i}]`, 'expected a string, number, bigint or null');
      });
    } else if (typeof predicate === 'object' && predicate !== null) {
      const keys = Object.keys(predicate);
      if (keys.length === 0) throw new ConfigError(at, 'empty range: give eq, gt, gte, lt or lte');
      for (const k of keys) {
        if (!RANGE_KEYS.has(k))
          throw new ConfigError(`${at}.${k}`, 'unknown bound (use eq, gt, gte, lt, lte)');
        if (!isValue((predicate as Record<string, unknown>)[k])) {
          throw new ConfigError(`${at}.${k}`, 'expected a string, number, bigint or null');
        }
      }
    } else if (!isValue(predicate)) {
      throw new ConfigError(at, 'expected a value, an array of values or a range { gte, lte, ... }');
    }
  }
}

/**
 * Partition and predicate values of different kinds (a string partition against a number) are a
 * configuration mistake, not a non-match: say so instead of silently selecting nothing.
 * `kind` is what the partition column holds: 'string' (strings and dates) or 'number' (number, bigint).
 */
export function checkComparable(key: string, kind: 'string' | 'number', predicate: PartitionPredicate): void {
  const values: PartitionValue[] = Array.isArray(predicate)
    ? [...predicate]
    : typeof predicate === 'object' && predicate !== null
      ? Object.values(predicate as PartitionRange)
      : [predicate as PartitionValue];
  for (const v of values) {
    if (v === null) continue;
    const vKind = typeof v === 'string' ? 'string' : 'number';
    if (vKind !== kind) {
      throw new ConfigError(
        `filter.${key}`,
        `partition column "${key}" holds ${kind} values but the filter gives ${typeof v} ${String(v)}; ` +
          `use the same kind or set partitionTypes.${key}`,
      );
    }
  }
}

function equal(a: PartitionValue, b: PartitionValue): boolean {
  if (a === null || b === null) return a === b;
  // Loose equality compares bigint with number by value (2n == 2); kinds were checked before.
  // biome-ignore lint/suspicious/noDoubleEquals: intended bigint/number comparison
  return a == b;
}

/** SQL semantics: a range bound never holds for null. */
function holds(value: PartitionValue, range: PartitionRange): boolean {
  if (range.eq !== undefined && !equal(value, range.eq)) return false;
  if (value === null)
    return (
      range.gt === undefined && range.gte === undefined && range.lt === undefined && range.lte === undefined
    );
  if (range.gt !== undefined && (range.gt === null || !(value > range.gt))) return false;
  if (range.gte !== undefined && (range.gte === null || !(value >= range.gte))) return false;
  if (range.lt !== undefined && (range.lt === null || !(value < range.lt))) return false;
  if (range.lte !== undefined && (range.lte === null || !(value <= range.lte))) return false;
  return true;
}

/** Does one partition value satisfy a predicate? */
export function matchesPredicate(value: PartitionValue, predicate: PartitionPredicate): boolean {
  if (Array.isArray(predicate)) {
    for (const v of predicate) if (equal(value, v)) return true;
    return false;
  }
  if (typeof predicate === 'object' && predicate !== null) return holds(value, predicate as PartitionRange);
  return equal(value, predicate as PartitionValue);
}

/**
 * Does a file's partition (column → typed value) pass every predicate? A column missing from the
 * file's path never matches a predicate on it.
 */
export function matchesPartitionFilter(
  partition: Readonly<Record<string, PartitionValue>>,
  filter: Readonly<Record<string, PartitionPredicate>>,
): boolean {
  for (const key in filter) {
    if (!Object.hasOwn(partition, key)) return false;
    if (!matchesPredicate(partition[key] as PartitionValue, filter[key] as PartitionPredicate)) return false;
  }
  return true;
}
