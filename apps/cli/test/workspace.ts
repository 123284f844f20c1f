/**
 * Test helpers for the crash, concurrency and fault tests: a multi-segment input made of the real
 * capture split into consecutive segments plus generated ones, the real CLI in a child process,
 * and the DuckDB aggregates that decide whether two outputs hold the same data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { duckdb, SEGMENT } from './helpers.js';

export const BIN = path.resolve(import.meta.dirname, '../src/bin.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * The module resolution conditions of this test process (vitest's), so a child process resolves
 * modules exactly as the in-process runs of the same test do.
 */
const CONDITIONS = process.execArgv.flatMap((a, i, all) =>
  a === '--conditions' || a === '-C'
    ? [`--conditions=${all[i + 1]}`]
    : a.startsWith('--conditions=')
      ? [a]
      : [],
);

/** `node` arguments that run a TypeScript entry of this repository from source. */
export function nodeArgs(entry: string, args: readonly string[]): string[] {
  const conditions = CONDITIONS.length ? CONDITIONS : ['--conditions=@etl/source'];
  return [...conditions, '--import', TSX, entry, ...args];
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly exit: Promise<Exit>;
  /** Resolves with the first stderr text matching `re` (or when the process exits). */
  waitFor(re: RegExp): Promise<boolean>;
}

/** Starts `etl <args>` (or another entry) in a child process. */
export function spawnEtl(
  args: readonly string[],
  options: { entry?: string; env?: NodeJS.ProcessEnv; shell?: string } = {},
): Spawned {
  const argv = nodeArgs(options.entry ?? BIN, args);
  const child = options.shell
    ? spawn('sh', ['-c', `${options.shell} exec "$0" "$@"`, process.execPath, ...argv], {
        env: { ...process.env, ...options.env },
      })
    : spawn(process.execPath, argv, { env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  const watchers: { re: RegExp; resolve: (hit: boolean) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (let i = watchers.length - 1; i >= 0; i--) {
      if (watchers[i]!.re.test(stderr)) watchers.splice(i, 1)[0]!.resolve(true);
    }
  });
  const exit = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of watchers.splice(0)) w.resolve(false);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    exit,
    waitFor: (re) =>
      re.test(stderr) ? Promise.resolve(true) : new Promise((resolve) => watchers.push({ re, resolve })),
  };
}

/** Deterministic PRNG (mulberry32), so a failing seed reproduces. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Workspace {
  readonly root: string;
  readonly raw: string;
  readonly ready: string;
  readonly processing: string;
  readonly failed: string;
  readonly output: string;
}

/** A fresh `<tmp>/raw/{ready,processing}/coinbase` and `<tmp>/processed`, `ready/` holding copies of `inputs`. */
export function workspace(inputs?: string): Workspace {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-e2e-'));
  const ws = {
    root,
    raw: path.join(root, 'raw'),
    ready: path.join(root, 'raw', 'ready', 'coinbase'),
    processing: path.join(root, 'raw', 'processing', 'coinbase'),
    failed: path.join(root, 'raw', 'failed', 'coinbase'),
    output: path.join(root, 'processed'),
  };
  mkdirSync(ws.ready, { recursive: true });
  if (inputs) cpSync(inputs, ws.ready, { recursive: true });
  return ws;
}

/** `etl run` arguments for a workspace. */
export const runArgs = (ws: Workspace, ...extra: string[]) => [
  'run',
  '--input',
  ws.ready,
  '--output',
  ws.output,
  '--json',
  ...extra,
];

/**
 * Splits the real capture into `parts` consecutive segments `segment_20260809T21_0000N.ndjson`
 * (the first holds the 5 MB book snapshot), written to `dir`.
 */
export function splitFixture(dir: string, parts: number): string[] {
  const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
  const size = Math.ceil(lines.length / parts);
  const names: string[] = [];
  for (let i = 0; i < parts; i++) {
    const name = `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`;
    writeFileSync(path.join(dir, name), `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`);
    names.push(name);
  }
  return names;
}

/**
 * A reconnect as Coinbase does it: the connection restarts its sequence numbers and the trades
 * snapshot re-sends recent trades (here the capture's own snapshot, all 100 already seen) plus two
 * new trades. Written as `name` in `dir`.
 */
export function reconnectSegment(dir: string, name: string): void {
  const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
  const snapshot = lines.find(
    (l) => l.includes('"channel":"market_trades"') && l.includes('"type":"snapshot"'),
  )!;
  const env = JSON.parse(snapshot);
  env.capture_ts = '2026-08-09T21:07:00.000000+00:00';
  env.data.timestamp = '2026-08-09T21:06:59.5Z';
  env.data.sequence_num = 1;
  const fresh = JSON.parse(JSON.stringify(env));
  fresh.data.sequence_num = 2;
  fresh.data.events = [
    {
      type: 'update',
      trades: ['900000001', '900000002'].map((id, i) => ({
        trade_id: id,
        product_id: 'BTC-USD',
        price: '65090.1',
        size: `0.00${i + 1}`,
        side: 'BUY',
        time: `2026-08-09T21:06:59.${i + 6}Z`,
      })),
    },
  ];
  writeFileSync(path.join(dir, name), `${JSON.stringify(env)}\n${JSON.stringify(fresh)}\n`);
}

/**
 * `count` generated segments of about `bytes` each, `segment_20260809T23_0000N.ndjson`, each
 * starting where the previous one ends in time; trade ids are made distinct across segments.
 */
export async function generatedSegments(dir: string, count: number, bytes: number): Promise<string[]> {
  // Loaded by path: the bench tooling is not part of this package's type-checked sources.
  const generator = path.resolve(import.meta.dirname, '../../../tooling/bench/generate-segment.ts');
  const { generateSegment } = (await import(pathToFileURL(generator).href)) as {
    generateSegment: (
      file: string,
      options: { bytes: number; seed: number; startNs: bigint },
    ) => Promise<unknown>;
  };
  const cache = path.join(tmpdir(), 'etl-e2e-cache');
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `segment_20260809T23_${String(i + 1).padStart(5, '0')}.ndjson`;
    const raw = path.join(cache, `gen-${bytes}-${i}.ndjson`);
    await generateSegment(raw, {
      bytes,
      seed: 7 + i,
      startNs: 1786319940_000_000_000n + BigInt(i) * 8_000_000_000n,
    });
    const text = readFileSync(raw, 'utf8').replace(
      /"trade_id":"(\d+)"/g,
      (_, id: string) => `"trade_id":"${BigInt(id) + BigInt(i) * 10_000_000n}"`,
    );
    writeFileSync(path.join(dir, name), text);
    names.push(name);
  }
  return names;
}

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Files a `**\/*.parquet` glob matches that are not finished output (temporaries, dot files). */
export function strayParquet(output: string): string[] {
  return filesUnder(output).filter(
    (f) => f.endsWith('.parquet') && f.split(path.sep).some((p) => p.startsWith('.')),
  );
}

/** Hidden (dot) files anywhere under `dir`: temporaries of an unfinished write. */
export function hiddenFiles(dir: string): string[] {
  return filesUnder(dir).filter((f) => f.split(path.sep).some((p) => p.startsWith('.')));
}

const NUMERIC = new Set([
  'DOUBLE',
  'FLOAT',
  'BIGINT',
  'INTEGER',
  'HUGEINT',
  'SMALLINT',
  'TINYINT',
  'UBIGINT',
  'UINTEGER',
]);
const PARTITION_COLS = ['product_id', 'date', 'hour'];

/**
 * Per dataset and partition: rows, an exact order-independent hash of all rows, and for reading
 * the difference when they differ: sums of every numeric column (prices, sizes, book columns),
 * min/max of sequence_num, count of distinct trade_id. Compare with {@link sameAggregates}.
 */
export async function datasetAggregates(output: string): Promise<Record<string, unknown>> {
  const db = await duckdb();
  const root = path.join(output, 'coinbase');
  const out: Record<string, unknown> = {};
  const datasets = existsSync(root)
    ? readdirSync(root)
        .filter((d) => !d.startsWith('_') && !d.startsWith('.'))
        .sort()
    : [];
  for (const dataset of datasets) {
    const glob = path.join(root, dataset, '**', '*.parquet').replaceAll("'", "''");
    if (!filesUnder(path.join(root, dataset)).some((f) => f.endsWith('.parquet'))) continue;
    const src = `read_parquet('${glob}', hive_partitioning=true, union_by_name=true)`;
    const columns = (await db.rows(`DESCRIBE SELECT * FROM ${src}`)) as {
      column_name: string;
      column_type: string;
    }[];
    const keys = columns.map((c) => c.column_name).filter((c) => PARTITION_COLS.includes(c));
    const aggs = [`count(*) AS rows`, `sum(hash(t))::VARCHAR AS row_hash`];
    for (const c of columns) {
      if (keys.includes(c.column_name)) continue;
      const q = `"${c.column_name}"`;
      if (NUMERIC.has(c.column_type)) aggs.push(`sum(${q})::DOUBLE AS "sum_${c.column_name}"`);
      if (c.column_name === 'sequence_num') aggs.push(`min(${q}) AS min_seq, max(${q}) AS max_seq`);
      if (c.column_name === 'trade_id') aggs.push(`count(DISTINCT ${q}) AS distinct_trade_id`);
    }
    const by = keys.map((k) => `CAST("${k}" AS VARCHAR)`);
    const sql = `SELECT ${[...by.map((b, i) => `${b} AS "${keys[i]}"`), ...aggs].join(', ')} FROM (SELECT * FROM ${src}) t${by.length ? ` GROUP BY ALL ORDER BY ${by.join(', ')}` : ''}`;
    out[dataset] = await db.rows(sql);
  }
  return JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/**
 * Differences between two {@link datasetAggregates} results, as readable lines (empty when the
 * same). Sums of doubles may differ in their last bits (DuckDB adds in any order): relative 1e-9.
 */
export function aggregateDifferences(actual: unknown, expected: unknown, where = ''): string[] {
  if (typeof actual === 'number' && typeof expected === 'number') {
    const tolerance = 1e-9 * Math.max(Math.abs(actual), Math.abs(expected), 1);
    return Math.abs(actual - expected) <= tolerance ? [] : [`${where}: ${actual} != ${expected}`];
  }
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    return [...keys].flatMap((k) =>
      aggregateDifferences(
        (actual as Record<string, unknown>)[k],
        (expected as Record<string, unknown>)[k],
        `${where}/${k}`,
      ),
    );
  }
  return actual === expected ? [] : [`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
}

/** The `--json` summary of `etl run`. */
export interface RunSummary {
  segments: { processed: number; failed: number; skipped: number; resumed: number };
  datasets: Record<string, { rows: number; files: number; bytes: number }>;
  quarantined_lines: number;
  quarantined_rows: number;
  interrupted: boolean;
  stopped?: string;
  failures: { segment: string; error: string }[];
}

export const summaryOf = (stdout: string): RunSummary => JSON.parse(stdout) as RunSummary;
