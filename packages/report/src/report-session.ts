/**
 * The DuckDB session a report reads through: one view per dataset directory, a memory limit with
 * spilling to a temporary directory (so a day of a busy product stays within bounds), and the
 * selection (dates, products) as SQL that prunes Hive partitions.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
export const sqlIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

export interface Selection {
  readonly start: string | null;
  readonly end: string | null;
  readonly products: readonly string[] | null;
}

export interface DatasetView {
  readonly name: string;
  readonly columns: ReadonlyMap<string, string>;
}

export interface ReportSession {
  readonly root: string;
  readonly datasets: ReadonlyMap<string, DatasetView>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

/** `<output>/coinbase` when it exists (what `etl run --output` writes), else `<output>` itself. */
async function datasetRoot(output: string): Promise<string> {
  const source = path.join(output, 'coinbase');
  return (await isDirectory(source)) ? source : output;
}

async function createViews(connection: DuckDBConnection, root: string): Promise<Map<string, DatasetView>> {
  const views = new Map<string, DatasetView>();
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return views;
  }
  for (const name of names) {
    const glob = path.join(root, name, '**', '*.parquet');
    try {
      await connection.run(
        `CREATE VIEW ${sqlIdent(name)} AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true)`,
      );
    } catch {
      continue; // a directory without Parquet files (yet)
    }
    const described = (await connection.runAndReadAll(`DESCRIBE ${sqlIdent(name)}`)).getRowObjects();
    const columns = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
    views.set(name, { name, columns });
  }
  return views;
}

/** What every output of `etl run` holds at its root: without either, `root` is some other directory. */
const ROOT_MARKERS = ['_manifests', 'level2', 'market_trades', 'quality'];

export async function openReportSession(output: string, memoryLimit = '1GB'): Promise<ReportSession> {
  const root = await datasetRoot(output);
  const isOutput = (await Promise.all(ROOT_MARKERS.map((m) => isDirectory(path.join(root, m))))).some(
    Boolean,
  );
  const spill = await mkdtemp(path.join(tmpdir(), 'etl-report-'));
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: memoryLimit,
    temp_directory: spill,
  });
  const connection = await instance.connect();
  try {
    const datasets = isOutput ? await createViews(connection, root) : new Map<string, DatasetView>();
    return {
      root,
      datasets,
      async rows(sql) {
        return (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
      },
      async close() {
        connection.closeSync();
        instance.closeSync();
        await rm(spill, { recursive: true, force: true });
      },
    };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The WHERE clause of the selection on a dataset partitioned (or not) by `date` and holding
 * `product_id`. With `connectionWide`, rows without a product (connection-wide quality events) stay.
 */
export function selectionFilter(
  view: DatasetView,
  selection: Selection,
  connectionWide = false,
  alias = '',
): string {
  const terms: string[] = [];
  const product = `${alias}product_id`;
  if (selection.start !== null && view.columns.has('date'))
    terms.push(
      `${alias}date BETWEEN DATE ${sqlString(selection.start)} AND DATE ${sqlString(selection.end ?? selection.start)}`,
    );
  if (selection.products !== null && view.columns.has('product_id')) {
    const list = `${product} IN (${selection.products.map(sqlString).join(', ')})`;
    terms.push(connectionWide ? `(${list} OR ${product} IS NULL)` : list);
  }
  return terms.length ? terms.join(' AND ') : 'TRUE';
}

/** A DuckDB value as a JS number (BIGINT arrives as bigint, DECIMAL as an object). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return Number(String(v));
}

export function toNullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : toNumber(v);
}

/** Epoch nanoseconds (bigint) as an ISO 8601 UTC string with all nine fraction digits. */
export function isoFromNs(ns: bigint): string {
  const seconds = ns >= 0n ? ns / 1_000_000_000n : (ns - 999_999_999n) / 1_000_000_000n;
  const fraction = ns - seconds * 1_000_000_000n;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

export function nsOf(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(String(v));
}

export const nsToSeconds = (ns: bigint): number => Number(ns) / 1e9;
