/** Test helper: one in-memory DuckDB per call site, returning plain row objects (bigint for BIGINT). */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export async function duckdb() {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const rows = async (sql: string): Promise<Record<string, unknown>[]> =>
    (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
  return {
    rows,
    async one(sql: string): Promise<Record<string, unknown>> {
      const r = await rows(sql);
      if (r.length !== 1) throw new Error(`expected one row from ${sql}, got ${r.length}`);
      return r[0]!;
    },
    /** Column name → DuckDB type of a query. */
    async types(sql: string): Promise<Record<string, unknown>> {
      return Object.fromEntries((await rows(`DESCRIBE ${sql}`)).map((r) => [r.column_name, r.column_type]));
    },
  };
}

/** `read_parquet` of a dataset directory with Hive partitions. */
export function parquet(dir: string): string {
  return `read_parquet('${path.join(dir, '**', '*.parquet').replaceAll("'", "''")}', hive_partitioning = true)`;
}
