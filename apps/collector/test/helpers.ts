import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { main } from '@etl/cli';
import { Collector, type CollectorOptions } from '../src/collector.js';
import {
  CoinbaseReplayServer,
  loadSegmentFrames,
  type ReplayFrame,
  type ReplayServerOptions,
} from '../src/replay-server.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const FIXTURES = path.join(REPO, 'tooling/fixtures/coinbase');
export const SEGMENT = path.join(FIXTURES, 'segment_20260809T21_00001.ndjson');
export const FRAMES: readonly ReplayFrame[] = loadSegmentFrames(SEGMENT);
export const DATASETS = ['level2', 'market_trades', 'ticker', 'candles'] as const;

export const tmp = (name: string): string => mkdtempSync(path.join(tmpdir(), `etl-collector-${name}-`));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it holds (the test's own timeout bounds the wait). */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(10);
}

class Capture {
  text = '';
  isTTY = false;
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

/** Runs the `etl` CLI in-process. */
export async function etl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The parts of `etl run --json` the tests read. */
export interface RunSummary {
  segments: { processed: number; failed: number };
  quarantined_lines: number;
  datasets: Record<string, { rows: number; files: number }>;
}

/** `etl run` over copies of `segments`; returns the output root. */
export async function etlRun(
  segments: readonly string[],
  name: string,
): Promise<{ output: string; summary: RunSummary }> {
  const root = tmp(name);
  const ready = path.join(root, 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  for (const s of segments) cpSync(s, path.join(ready, path.basename(s)));
  const output = path.join(root, 'processed');
  const r = await etl(['run', '--input', ready, '--output', output, '--json', '--quiet']);
  if (r.code !== 0) throw new Error(`etl run failed (${r.code}): ${r.stdout}\n${r.stderr}`);
  return { output, summary: JSON.parse(r.stdout) as RunSummary };
}

/** The fixture segment processed directly: the reference every live result is compared with. */
let reference: Promise<string> | undefined;
export function referenceOutput(): Promise<string> {
  reference ??= etlRun([SEGMENT], 'reference').then((r) => r.output);
  return reference;
}

export async function duckdb(): Promise<(sql: string) => Promise<Record<string, unknown>[]>> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  return async (sql) => (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
}

export const scan = (out: string, dataset: string): string =>
  `read_parquet('${path.join(out, 'coinbase', dataset, '**', '*.parquet')}', hive_partitioning=true, union_by_name=true)`;

/**
 * Rows of `a` not in `b` and of `b` not in `a`, as multisets (a duplicate counts): [0, 0] means
 * the same rows. `exclude` drops columns from the comparison, `where` filters both sides.
 */
export async function difference(
  q: (sql: string) => Promise<Record<string, unknown>[]>,
  a: string,
  b: string,
  dataset: string,
  options: { exclude?: readonly string[]; where?: string } = {},
): Promise<[number, number]> {
  const cols = options.exclude?.length ? `* EXCLUDE (${options.exclude.join(', ')})` : '*';
  const where = options.where ?? 'true';
  const side = (x: string) => `SELECT ${cols} FROM ${scan(x, dataset)} WHERE ${where}`;
  const left = await q(`SELECT count(*) AS n FROM (${side(a)} EXCEPT ALL ${side(b)})`);
  const right = await q(`SELECT count(*) AS n FROM (${side(b)} EXCEPT ALL ${side(a)})`);
  return [Number(left[0]!.n), Number(right[0]!.n)];
}

export async function count(
  q: (sql: string) => Promise<Record<string, unknown>[]>,
  out: string,
  dataset: string,
  where = 'true',
): Promise<number> {
  return Number((await q(`SELECT count(*) AS n FROM ${scan(out, dataset)} WHERE ${where}`))[0]!.n);
}

export function readySegments(root: string): string[] {
  const ready = path.join(root, 'ready', 'coinbase');
  return readdirSync(ready)
    .filter((n) => n.endsWith('.ndjson'))
    .sort()
    .map((n) => path.join(ready, n));
}

/**
 * Starts a replay server and a collector subscribed to it; resolves once the collector has
 * captured `expectedFrames` frames and stopped (every frame in its sinks).
 */
export async function capture(
  replay: Omit<ReplayServerOptions, 'subscriptionsBeforeReplay'>,
  collector: Omit<CollectorOptions, 'url' | 'products'>,
  expectedFrames: number,
): Promise<{ collector: Collector; server: CoinbaseReplayServer }> {
  const server = await CoinbaseReplayServer.start({ ...replay, subscriptionsBeforeReplay: 4 });
  const c = new Collector({
    url: server.url,
    products: ['BTC-USD'],
    subscribeIntervalMs: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...collector,
  });
  const running = c.start();
  try {
    await until(() => c.stats().recordsIn >= expectedFrames);
  } finally {
    await c.stop();
    await running;
    await server.close();
  }
  return { collector: c, server };
}

/**
 * `etl stream` as its own process, so it can be killed for real. It runs the built CLI
 * (`apps/cli/dist`, made by `pnpm build`, which `pnpm test` runs first): from TypeScript sources
 * outside vitest, the Parquet writer's encode worker cannot load (see the collector README).
 */
export function spawnEtlStream(
  args: readonly string[],
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const bin = path.join(REPO, 'apps/cli/dist/bin.js');
  if (!existsSync(bin))
    throw new Error(
      `${bin} is missing: run \`pnpm build\` first (this test runs etl stream as its own process)`,
    );
  const child = spawn(process.execPath, [bin, 'stream', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  }) as ChildProcess & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (child.output.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (child.output.stderr += d));
  return child;
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}
