/**
 * Test support: one Parquet file read with ParquetReader and with DuckDB, every value of every
 * column compared in a comparable form (see comparable-values.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, type Field, type Row } from '@etl/core';
import { ParquetReader, type ParquetReaderOptions } from '../parquet-reader.js';
import { difference, fromDuckDB, fromReader } from './comparable-values.js';
import { sqlString } from './duckdb-oracle.js';

export interface Outcome {
  readonly rows?: Row[];
  readonly error?: string;
}

export interface Comparison {
  readonly ours: Outcome;
  readonly duckdb: Outcome;
  /** Ours in comparable form (only when both sides read the file). */
  readonly oursComparable?: Row[];
  /** Up to `limit` value differences, `row N: .column…: ours vs duckdb`. */
  readonly mismatches: string[];
}

async function readOurs(
  path: string,
  options: ParquetReaderOptions,
): Promise<Outcome & { fields?: Field[] }> {
  try {
    const reader = new ParquetReader({ ...options, hive: false });
    const fields = [...(await reader.schema(path)).fields];
    const rows: Row[] = [];
    for await (const batch of reader.read(path)) for (const r of batch) rows.push(r);
    return { rows, fields };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

async function readDuckDB(duck: DuckDBConnection, sql: string): Promise<Outcome> {
  try {
    const result = await duck.runAndReadAll(sql);
    return { rows: result.getRowObjects().map((r) => mapRow(r, fromDuckDB)) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

function mapRow(row: Readonly<Record<string, unknown>>, f: (v: unknown, name: string) => unknown): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = f(v, k);
  return out;
}

/** DuckDB's query of a file: all columns. */
export function selectAll(path: string): string {
  return `SELECT * FROM read_parquet(${sqlString(path)})`;
}

/**
 * Reads `path` with ParquetReader and runs `duckdbSql` (default: every column of the same file),
 * then compares row counts and every value.
 */
export async function readBoth(
  duck: DuckDBConnection,
  path: string,
  options: ParquetReaderOptions = {},
  { limit = 5, duckdbSql = selectAll(path) }: { limit?: number; duckdbSql?: string } = {},
): Promise<Comparison> {
  const ours = await readOurs(path, options);
  const duckdb = await readDuckDB(duck, duckdbSql);
  const mismatches: string[] = [];
  if (!ours.rows || !duckdb.rows) return { ours, duckdb, mismatches };
  const byName = new Map((ours.fields ?? []).map((f) => [f.name, f]));
  const comparable = ours.rows.map((r) => mapRow(r, (v, k) => fromReader(v, byName.get(k))));
  if (comparable.length !== duckdb.rows.length) {
    mismatches.push(`${comparable.length} rows vs ${duckdb.rows.length}`);
  }
  const n = Math.min(comparable.length, duckdb.rows.length);
  for (let i = 0; i < n && mismatches.length < limit; i++) {
    const d = difference(comparable[i], duckdb.rows[i]);
    if (d) mismatches.push(`row ${i}: ${d}`);
  }
  return { ours, duckdb, oursComparable: comparable, mismatches };
}
