import { formatCount, renderTable, toJson } from '../format.js';
import { openDuckDB, registerDatasets } from '../duckdb.js';
import { UsageError } from '../usage-error.js';

export interface QueryFlags {
  output?: string;
  json?: boolean;
  csv?: boolean;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? toJson(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** `etl query "<SQL>"`: DuckDB over the output with a view per dataset. */
export async function queryCommand(sql: string | undefined, flags: QueryFlags, io: { stdout: NodeJS.WriteStream }): Promise<number> {
  if (!sql) throw new UsageError('usage: etl query "<SQL>" [--output dir] [--json|--csv]');
  if (flags.json && flags.csv) throw new UsageError('--json and --csv exclude each other');
  const connection = await openDuckDB();
  const views = await registerDatasets(connection, flags.output ?? 'data/processed');
  let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
  try {
    reader = await connection.runAndReadAll(sql);
  } catch (error) {
    const hint = views.length ? `datasets: ${views.join(', ')}` : `no datasets found under ${flags.output ?? 'data/processed'}/coinbase`;
    throw new UsageError(`query failed: ${(error as Error).message.split('\n')[0]} (${hint})`);
  }
  const columns = reader.columnNames();
  if (flags.json) {
    // DuckDB's JSON conversion keeps every digit of big integers and nanosecond timestamps.
    io.stdout.write(`${toJson(reader.getRowObjectsJson())}\n`);
    return 0;
  }
  // DuckDB values (timestamps, dates, decimals) print in SQL form with String().
  const rows = (reader.getRows() as unknown[][]).map((r) => r.map((v) => (v !== null && typeof v === 'object' ? String(v) : v)));
  if (flags.csv) {
    io.stdout.write(`${columns.map(csvCell).join(',')}\n`);
    for (const r of rows) io.stdout.write(`${r.map(csvCell).join(',')}\n`);
  } else {
    io.stdout.write(`${renderTable(columns, rows)}\n(${formatCount(rows.length)} row${rows.length === 1 ? '' : 's'})\n`);
  }
  return 0;
}
