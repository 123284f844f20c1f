/**
 * The time order of each dataset's rows, as compaction merges them. Rows with equal keys keep the
 * order of their input files (segment order) and, within a file, their order there: the rows of
 * one level2 message share `server_timestamp` and `sequence_num` and stay in message order.
 */
import type { Row, Schema } from '@etl/core';

const ORDER: Readonly<Record<string, readonly string[]>> = {
  level2: ['server_timestamp', 'sequence_num'],
  market_trades: ['time', 'trade_id'],
  ticker: ['server_timestamp', 'sequence_num'],
  candles: ['start', 'server_timestamp', 'sequence_num'],
  // Quality events carry no time when they have none (a crossed book: time_from is null):
  // they stay in segment order, and segments are in time order by name.
  quality: [],
};

/** Time columns tried, in this order, for a dataset this table does not know (plugin outputs). */
const TIME_COLUMNS = ['server_timestamp', 'time', 'timestamp', 'event_time', 'start'];

/**
 * The sort key of `dataset`, restricted to columns its schema has. Empty when it has no time
 * column: its files are then concatenated in segment order.
 */
export function sortKeyOf(dataset: string, schema: Schema): string[] {
  const names = new Set(schema.fields.map((f) => f.name));
  const known = ORDER[dataset];
  if (known) return known.filter((c) => names.has(c));
  const time =
    TIME_COLUMNS.find((c) => names.has(c)) ?? schema.fields.find((f) => f.type === 'timestamp')?.name;
  if (!time) return [];
  return names.has('sequence_num') && time !== 'sequence_num' ? [time, 'sequence_num'] : [time];
}

/** Orders two values of one column: nulls last, then natural order (bigints, numbers, strings). */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  // Same-typed in a column; a bigint and a number (int64 read as either) still compare exactly.
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** Compares two rows by `key`; 0 when every key column is equal. */
export function compareRows(key: readonly string[], a: Row, b: Row): number {
  for (let i = 0; i < key.length; i++) {
    const c = compareValues(a[key[i]!], b[key[i]!]);
    if (c !== 0) return c;
  }
  return 0;
}
