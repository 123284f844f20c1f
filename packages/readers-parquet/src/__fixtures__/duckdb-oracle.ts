/**
 * Test support: DuckDB as the reference reader. Values are converted in SQL to the core
 * conventions (epoch_ns/epoch_us bigint for timestamps, 'YYYY-MM-DD' for dates), so a comparison
 * with the reader's rows is a plain deep equality.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ColumnType, Row, TimeUnit } from '@etl/core';

export interface OracleResult {
  readonly names: string[];
  readonly types: string[];
  readonly rows: Row[];
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `etl-readers-parquet-${prefix}-`));
}

export async function connectDuckDB(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function convertExpr(name: string, type: string): string {
  const c = quoteIdent(name);
  if (type === 'TIMESTAMP_NS') return `epoch_ns(${c})`;
  if (type === 'TIMESTAMP' || type === 'TIMESTAMP WITH TIME ZONE') return `epoch_us(${c})`;
  if (type === 'TIMESTAMP_MS') return `epoch_ms(${c})`;
  if (type === 'DATE') return `strftime(${c}, '%Y-%m-%d')`;
  return c;
}

/** The core type (and unit) a DuckDB column type corresponds to. */
export function coreTypeOf(duckType: string): { type: ColumnType; unit?: TimeUnit } {
  switch (duckType) {
    case 'BIGINT':
      return { type: 'int64' };
    case 'INTEGER':
    case 'SMALLINT':
    case 'TINYINT':
      return { type: 'int32' };
    case 'DOUBLE':
    case 'FLOAT':
      return { type: 'double' };
    case 'VARCHAR':
      return { type: 'string' };
    case 'BOOLEAN':
      return { type: 'bool' };
    case 'DATE':
      return { type: 'date' };
    case 'TIMESTAMP_NS':
      return { type: 'timestamp', unit: 'ns' };
    case 'TIMESTAMP':
      return { type: 'timestamp', unit: 'us' };
    case 'TIMESTAMP_MS':
      return { type: 'timestamp', unit: 'ms' };
    default:
      throw new Error(`no core type for DuckDB ${duckType}`);
  }
}

/**
 * `SELECT <columns> FROM read_parquet(source, hive_partitioning=true) [WHERE where]` with values
 * in core conventions. `source` is a SQL expression (a quoted glob or a list of quoted paths).
 */
export async function duckdbRead(
  connection: DuckDBConnection,
  source: string,
  options: { columns?: readonly string[]; where?: string } = {},
): Promise<OracleResult> {
  const from = `read_parquet(${source}, hive_partitioning=true)`;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
  const all = described
    .getRowObjects()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const typeOf = new Map(all.map((c) => [c.name, c.type]));
  const names = options.columns ? [...options.columns] : all.map((c) => c.name);
  const select = names.map((n) => `${convertExpr(n, typeOf.get(n) ?? '')} AS ${quoteIdent(n)}`).join(', ');
  const where = options.where ? ` WHERE ${options.where}` : '';
  const result = await connection.runAndReadAll(`SELECT ${select} FROM ${from}${where}`);
  return {
    names,
    types: names.map((n) => typeOf.get(n) ?? ''),
    rows: result.getRowObjects() as Row[],
  };
}
