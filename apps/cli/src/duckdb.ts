/** DuckDB for `inspect` and `query`: an in-memory database with one view per output dataset. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ParquetReader } from '@etl/readers-parquet';

export interface DuckDBSession {
  readonly connection: DuckDBConnection;
  /** Frees the database; the process (or an in-process test) does not keep it alive. */
  close(): void;
}

export async function openDuckDB(): Promise<DuckDBSession> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const sqlIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;
/** A DuckDB list literal of file paths: `['a.parquet', 'b.parquet']`. */
export const sqlList = (items: readonly string[]): string => `[${items.map(sqlString).join(', ')}]`;

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

/**
 * Where the dataset directories are: `<output>/coinbase` (what `etl run --output` writes), or
 * `<output>` itself when it already is that directory.
 */
export async function datasetRoot(output: string): Promise<string> {
  const source = path.join(output, 'coinbase');
  return (await isDirectory(source)) ? source : output;
}

/**
 * Creates a view per dataset directory (`level2`, `market_trades`, ...) reading every Parquet file
 * under it with Hive partitioning, so partition filters prune files. Returns the view names.
 */
export async function registerDatasets(connection: DuckDBConnection, output: string): Promise<string[]> {
  const root = await datasetRoot(output);
  let names: string[];
  try {
    // `_manifests`, `_quarantine`, `_state` and hidden directories hold no datasets.
    names = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const registered: string[] = [];
  for (const name of names.sort()) {
    const glob = path.join(root, name, '**', '*.parquet');
    try {
      // A compacted dataset is read from the files its compaction manifests leave visible, so a
      // query never sees a partition's files and their merged file at once (during a swap).
      const source = (await isDirectory(path.join(root, '_compactions', name)))
        ? sqlList(await new ParquetReader().files(path.join(root, name)))
        : sqlString(glob);
      await connection.run(
        `CREATE OR REPLACE VIEW ${sqlIdent(name)} AS SELECT * FROM read_parquet(${source}, hive_partitioning = true, union_by_name = true)`,
      );
      registered.push(name);
    } catch {
      // A directory without Parquet files (yet): no view.
    }
  }
  return registered;
}
