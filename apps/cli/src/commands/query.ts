import { once } from 'node:events';
import { type DuckDBResult, DuckDBTypeId } from '@duckdb/node-api';
import { EtlError, errorMessage, isObjectStorageUrl } from '@etl/core';
import type { Flags } from '../command-spec.js';
import { datasetRoot, openDuckDB, registerDatasets } from '../duckdb.js';
import { formatCount, renderTable } from '../format.js';
import { UsageError } from '../usage-error.js';
import { registerObjectStorageDatasets } from './query-object-storage.js';

export interface QueryFlags {
  output?: string;
  json?: boolean;
  csv?: boolean;
  /** Rows the table shows (default 100; 0 = all). `--json` and `--csv` always give every row. */
  'max-rows'?: string;
}

export const DEFAULT_OUTPUT = 'data/processed';
const DEFAULT_TABLE_ROWS = 100;

/** Integer and decimal types whose JSON conversion is a digit string: written as JSON numbers. */
const EXACT_NUMBER_TYPES: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.BIGNUM,
]);

/** DuckDB errors that are not the query's fault (unreadable data, no memory): exit 1 instead of 2. */
const SYSTEM_ERRORS = /^(IO|Internal|Fatal|Out of Memory|Permission) Error/;
/** ...except a path in the query that matches nothing, which is the query's fault. */
const NO_FILES = /^IO Error: No files found/;

type Out = NodeJS.WritableStream;

async function write(out: Out, text: string): Promise<void> {
  // Respect back-pressure: `etl query ... --csv > file` of a big dataset stays bounded in memory.
  if (!out.write(text) && typeof (out as NodeJS.EventEmitter).once === 'function')
    await once(out as NodeJS.EventEmitter, 'drain');
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A DuckDB value for the table: numbers stay numbers (right-aligned), the rest in SQL form. */
const tableCell = (v: unknown): unknown => (v !== null && typeof v === 'object' ? String(v) : v);

/**
 * One JSON array, one row object per line. BIGINT/HUGEINT/DECIMAL values are written as JSON
 * number literals with every digit (JSON numbers have no size limit; `JSON.parse` in JS rounds
 * beyond 2^53, Python and jq 1.7 do not); timestamps are strings with every digit.
 */
async function writeJson(result: DuckDBResult, out: Out): Promise<number> {
  const names = result.deduplicatedColumnNames().map((n) => JSON.stringify(n));
  const exact = result.columnTypes().map((t) => EXACT_NUMBER_TYPES.has(t.typeId));
  let count = 0;
  await write(out, '[');
  for await (const rows of result.yieldRowsJson()) {
    let text = '';
    for (const row of rows) {
      text += count++ === 0 ? '\n{' : ',\n{';
      for (let i = 0; i < names.length; i++) {
        const v = row[i] ?? null;
        text += `${i ? ',' : ''}${names[i]}:${exact[i] && typeof v === 'string' ? v : JSON.stringify(v)}`;
      }
      text += '}';
    }
    if (text) await write(out, text);
  }
  await write(out, count ? '\n]\n' : ']\n');
  return count;
}

async function writeCsv(result: DuckDBResult, out: Out): Promise<number> {
  let count = 0;
  await write(out, `${result.columnNames().map(csvCell).join(',')}\n`);
  for await (const rows of result.yieldRows()) {
    let text = '';
    for (const row of rows) text += `${row.map(csvCell).join(',')}\n`;
    count += rows.length;
    if (text) await write(out, text);
  }
  return count;
}

async function writeTable(result: DuckDBResult, out: Out, maxRows: number): Promise<number> {
  const shown: unknown[][] = [];
  let count = 0;
  // Every row is counted, only the first `maxRows` are kept: memory stays bounded.
  for await (const rows of result.yieldRows()) {
    for (const row of rows) if (maxRows === 0 || shown.length < maxRows) shown.push(row.map(tableCell));
    count += rows.length;
  }
  const footer =
    shown.length < count
      ? `(${formatCount(count)} rows, first ${formatCount(shown.length)} shown: --max-rows N for more, --csv or --json for all)`
      : `(${formatCount(count)} row${count === 1 ? '' : 's'})`;
  await write(out, `${renderTable(result.columnNames(), shown)}\n${footer}\n`);
  return count;
}

function parseMaxRows(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TABLE_ROWS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--max-rows must be a whole number ≥ 0, got ${value}`);
  return n;
}

/** DuckDB's guess at a missing table among its own catalog tables: no help to a user. */
const INTERNAL_GUESS = /\n?Did you mean "(sqlite_|pg_|duckdb_|information_schema)[^"]*"\?/g;

/** The error as DuckDB words it (with its `LINE 1: ... ^` pointer), plus the views there are. */
function queryFailure(error: unknown, views: readonly string[], root: string): Error {
  const message = errorMessage(error)
    .replace(/^Failed to extract statements: /, '')
    .replace(INTERNAL_GUESS, '');
  const missing = /^Catalog Error: Table with name (\S+) does not exist/.exec(message);
  if (missing && !views.length)
    // Nothing to query at all: one line that says what to do.
    return new UsageError(
      `no datasets under ${root}, so no table ${missing[1]}: pass --output <processed-dir> (the directory \`etl run --output\` wrote)`,
    );
  const hint = views.length
    ? `datasets under ${root}: ${views.join(', ')}`
    : `no datasets under ${root}: pass --output <processed-dir> (what \`etl run --output\` wrote)`;
  const text = `query failed: ${message}\n${hint}`;
  return SYSTEM_ERRORS.test(message) && !NO_FILES.test(message)
    ? new EtlError(text, 'E_QUERY')
    : new UsageError(text);
}

/**
 * `etl query "<SQL>"`: DuckDB over the output, with a view per dataset (`level2`,
 * `market_trades`, `ticker`, ...) reading `<output>/coinbase/<dataset>/**` with Hive partitioning.
 */
export async function queryCommand(
  sql: string | undefined,
  given: QueryFlags | Flags,
  io: { stdout: NodeJS.WriteStream },
): Promise<number> {
  const flags = given as QueryFlags;
  if (!sql?.trim())
    throw new UsageError('usage: etl query "<SQL>" [--output <processed-dir>] [--json|--csv] [--max-rows N]');
  if (flags.json && flags.csv) throw new UsageError('--json and --csv exclude each other');
  const maxRows = parseMaxRows(flags['max-rows']);
  const output = flags.output ?? DEFAULT_OUTPUT;
  const db = await openDuckDB();
  try {
    // Object storage (s3://…): read through DuckDB's httpfs, see query-object-storage.ts.
    const remote = isObjectStorageUrl(output);
    const views = remote
      ? await registerObjectStorageDatasets(db.connection, output)
      : await registerDatasets(db.connection, output);
    const root = remote ? output : await datasetRoot(output);
    try {
      const result = await db.connection.stream(sql);
      if (flags.json) await writeJson(result, io.stdout);
      else if (flags.csv) await writeCsv(result, io.stdout);
      else await writeTable(result, io.stdout, maxRows);
    } catch (error) {
      throw queryFailure(error, views, root);
    }
    return 0;
  } finally {
    db.close();
  }
}
