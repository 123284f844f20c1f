/**
 * JSON form of rows on the bus. JSON numbers cannot hold int64 or nanosecond timestamps exactly,
 * so bigint values travel as decimal strings; NaN and infinities (not JSON) become null.
 */
import type { Row } from '@etl/core';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** The row as one JSON object: bigint → decimal string, non-finite numbers → null. */
export function rowToJson(row: Readonly<Row>): string {
  return JSON.stringify(row, replacer);
}
