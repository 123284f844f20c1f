/** Reading level2 rows (row contract) defensively: rows may come from Parquet or third parties. */
import type { Row } from '@etl/core';

/** The book side of a level2 row: `side_normalized`, else `side` as sent; null when neither says. */
export function sideOf(row: Row): 'bid' | 'ask' | null {
  const s = row.side_normalized ?? row.side;
  if (s === 'bid') return 'bid';
  if (s === 'ask' || s === 'offer') return 'ask';
  return null;
}

/** Why a level2 row's price or size cannot go into a book, or null when they can. */
export function levelProblem(row: Row): string | null {
  const price = row.price_level;
  const size = row.new_quantity;
  if (typeof price !== 'number' || !(price > 0 && price < Number.POSITIVE_INFINITY)) {
    return `level2 row with price_level ${String(price)}`;
  }
  if (typeof size !== 'number' || !(size >= 0 && size < Number.POSITIVE_INFINITY)) {
    return `level2 row with new_quantity ${String(size)}`;
  }
  return null;
}

/** A row as JSON for quarantine (bigints as strings), cut to 2,000 characters. */
export function rowJson(row: Row): string {
  return JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v)).slice(0, 2000);
}
