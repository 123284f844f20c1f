import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { main } from '../src/main.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../tooling/fixtures/coinbase');
export const SEGMENT = path.join(FIXTURES, 'segment_20260809T21_00001.ndjson');

/** A fresh `<tmp>/raw/ready/coinbase` holding copies of `files` (renamed when given as [src, name]). */
export function readyDir(files: readonly (string | readonly [string, string])[]): {
  root: string;
  ready: string;
  output: string;
} {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-cli-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  for (const f of files) {
    const [src, name] = typeof f === 'string' ? [f, path.basename(f)] : f;
    cpSync(src, path.join(ready, name));
  }
  return { root, ready, output: path.join(root, 'processed') };
}

class Capture {
  text = '';
  isTTY = false;
  columns = 120;
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

/** Runs the CLI in-process and captures its output. */
export async function etl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export async function duckdb() {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    async rows(sql: string): Promise<Record<string, unknown>[]> {
      return (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
    },
    async one(sql: string): Promise<Record<string, unknown>> {
      const r = (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
      if (r.length !== 1) throw new Error(`expected one row from ${sql}, got ${r.length}`);
      return r[0]!;
    },
  };
}

export function glob(output: string, dataset: string): string {
  return path.join(output, 'coinbase', dataset, '**', '*.parquet').replaceAll("'", "''");
}

/** Counts of what the frames in an NDJSON file hold, computed independently of the parser. */
export function countFrames(file: string) {
  const counts = { l2Updates: 0, trades: 0, tradeIds: new Set<string>(), tickers: 0, candles: 0, frames: 0 };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const v = JSON.parse(line);
    const m = v.data ?? v;
    counts.frames++;
    for (const e of m.events ?? []) {
      if (m.channel === 'l2_data') counts.l2Updates += e.updates.length;
      if (m.channel === 'market_trades') {
        counts.trades += e.trades.length;
        for (const t of e.trades) counts.tradeIds.add(`${t.product_id}/${t.trade_id}`);
      }
      if (m.channel === 'ticker' || m.channel === 'ticker_batch') counts.tickers += e.tickers.length;
      if (m.channel === 'candles') counts.candles += e.candles.length;
    }
  }
  return counts;
}

/**
 * Rows of `dataset` in output `a` that are not in `b` (missing) and in `b` but not in `a` (extra),
 * duplicates counted (DuckDB `EXCEPT ALL` both ways), plus `a`'s row count: two outputs hold the
 * same dataset when both differences are 0.
 */
export async function datasetDifference(
  db: Awaited<ReturnType<typeof duckdb>>,
  a: string,
  b: string,
  dataset: string,
): Promise<{ dataset: string; rows: number; missing: number; extra: number }> {
  const read = (output: string) => `read_parquet('${glob(output, dataset)}', hive_partitioning = true)`;
  const r = await db.one(
    `SELECT (SELECT count(*) FROM ${read(a)}) AS rows,
            (SELECT count(*) FROM (SELECT * FROM ${read(a)} EXCEPT ALL SELECT * FROM ${read(b)})) AS missing,
            (SELECT count(*) FROM (SELECT * FROM ${read(b)} EXCEPT ALL SELECT * FROM ${read(a)})) AS extra`,
  );
  return { dataset, rows: Number(r.rows), missing: Number(r.missing), extra: Number(r.extra) };
}
