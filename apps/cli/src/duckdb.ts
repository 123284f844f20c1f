/** DuckDB over the output: one view per dataset, Hive partitioning on. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export async function openDuckDB(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const sqlIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Creates a view per dataset directory under `<output>/coinbase`; returns their names. */
export async function registerDatasets(connection: DuckDBConnection, output: string): Promise<string[]> {
  const root = path.join(output, 'coinbase');
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !/^[._]/.test(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
  const registered: string[] = [];
  for (const name of names.sort()) {
    const glob = path.join(root, name, '**', '*.parquet');
    try {
      await connection.run(
        `CREATE OR REPLACE VIEW ${sqlIdent(name)} AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true)`,
      );
      registered.push(name);
    } catch {
      // A dataset directory without files yet: no view.
    }
  }
  return registered;
}

export { sqlString };
