/**
 * A stateful plugin gives the same rows whichever way the input arrives: the real session as one
 * segment, the same lines cut into four segments, and the four segments through `etl enqueue` and
 * two `etl worker` processes (the live path, collector → JetStream → `etl stream`, is checked with
 * the same plugins in apps/collector/test/plugin-live.e2e.test.ts). The plugins are test fixtures
 * loaded by path from the config: rolling-vwap keeps each product's last trades in its checkpoint
 * and has no `flush`; vwap-deviation is chained after it on market_trades and needs its `vwap`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RedisTestServer, startRedisServer } from '@etl/queue-bullmq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl, glob, SEGMENT } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'apps/cli/src/bin.ts');
const PLUGINS = path.join(import.meta.dirname, 'fixtures/plugins');
const WINDOW = 20;
const PLUGIN_DATASETS = ['trade_vwap', 'trade_vwap_deviation'] as const;

/** The config every path runs with (the same file for `etl run` and `etl worker`). */
function writeConfig(dir: string): string {
  const file = path.join(dir, 'etl.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      etl: {
        channels: {
          market_trades: {
            processors: [
              { use: 'rolling-vwap', options: { window_trades: WINDOW }, output: 'trade_vwap' },
              { use: 'vwap-deviation', output: 'trade_vwap_deviation' },
            ],
          },
        },
      },
      plugins: [path.join(PLUGINS, 'rolling-vwap.mjs'), path.join(PLUGINS, 'vwap-deviation.mjs')],
    }),
  );
  return file;
}

/** A fresh ready dir holding `files` (name → lines), a config and an output dir. */
function workspace(files: Readonly<Record<string, readonly string[]>>) {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-plugin-paths-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  for (const [name, lines] of Object.entries(files))
    writeFileSync(path.join(ready, name), `${lines.join('\n')}\n`);
  return { ready, output: path.join(root, 'processed'), config: writeConfig(root) };
}

const LINES = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);

/** The session cut into `n` consecutive segments. */
function segments(n: number): Record<string, string[]> {
  const size = Math.ceil(LINES.length / n);
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`,
      LINES.slice(i * size, (i + 1) * size),
    ]),
  );
}

async function run(ws: ReturnType<typeof workspace>) {
  const r = await etl(['run', '--input', ws.ready, '--output', ws.output, '--config', ws.config, '--json']);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { segments: { processed: number; failed: number } };
}

/** `1.5` seconds since the epoch in ISO text with up to 9 fraction digits → nanoseconds. */
function isoToNs(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) throw new Error(`not an ISO time: ${iso}`);
  const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`) / 1000);
  return seconds * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

interface Trade {
  product_id: string;
  trade_id: string;
  price: string;
  size: string;
  time: string;
}

/**
 * The expected rows, computed from the capture itself: trades in arrival order, each trade once
 * (the feed repeats trades across snapshot and updates), VWAP over each product's last WINDOW.
 */
function expectedRows(): string {
  const seen = new Set<string>();
  const windows = new Map<string, { price: number; size: number }[]>();
  const out: string[] = [];
  for (const line of LINES) {
    const m = JSON.parse(line).data;
    if (m.channel !== 'market_trades') continue;
    // Coinbase sends a frame's trades newest first; the toolkit documents that it emits them
    // oldest first (reversed, then stably sorted by time).
    const trades = m.events.flatMap((e: { trades: Trade[] }) => e.trades).reverse();
    trades.sort((a: Trade, b: Trade) =>
      isoToNs(a.time) < isoToNs(b.time) ? -1 : isoToNs(a.time) > isoToNs(b.time) ? 1 : 0,
    );
    for (const t of trades) {
      const key = `${t.product_id}/${t.trade_id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const w = windows.get(t.product_id) ?? [];
      windows.set(t.product_id, w);
      w.push({ price: Number(t.price), size: Number(t.size) });
      if (w.length > WINDOW) w.shift();
      const volume = w.reduce((s, x) => s + x.size, 0);
      const vwap = w.reduce((s, x) => s + x.price * x.size, 0) / volume;
      out.push(
        JSON.stringify({
          product_id: t.product_id,
          trade_id: t.trade_id,
          time_ns: isoToNs(t.time).toString(),
          vwap,
          window_trades: w.length,
          deviation_bps: ((Number(t.price) - vwap) / vwap) * 10_000,
        }),
      );
    }
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'etl-plugin-expected-')), 'expected.ndjson');
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

/** The module resolution conditions of this test process, so spawned workers resolve alike. */
const CONDITIONS = process.execArgv.flatMap((a, i, all) =>
  a === '--conditions' || a === '-C'
    ? [`--conditions=${all[i + 1]}`]
    : a.startsWith('--conditions=')
      ? [a]
      : [],
);

function spawnWorker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const conditions = CONDITIONS.length ? CONDITIONS : ['--conditions=@etl/source'];
  const child: ChildProcess = spawn(
    process.execPath,
    [...conditions, '--import', 'tsx', BIN, 'worker', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('a stateful plugin chain on market_trades, loaded by path from the config', () => {
  let redis: RedisTestServer;
  let whole: string;
  let four: string;
  let queued: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const one = workspace({ 'segment_20260809T21_00001.ndjson': LINES });
    expect((await run(one)).segments).toMatchObject({ processed: 1, failed: 0 });
    whole = one.output;
    const cut = workspace(segments(4));
    expect((await run(cut)).segments).toMatchObject({ processed: 4, failed: 0 });
    four = cut.output;

    const q = workspace(segments(4));
    const queueName = `q${randomBytes(4).toString('hex')}`;
    const enqueued = await etl([
      'enqueue',
      '--input',
      q.ready,
      '--queue',
      redis.url,
      '--queue-name',
      queueName,
    ]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    const workerArgs = ['--queue', redis.url, '--queue-name', queueName, '--output', q.output];
    const workers = await Promise.all(
      [1, 2].map(() => spawnWorker([...workerArgs, '--config', q.config, '--until-empty', '--json'])),
    );
    for (const w of workers) expect(w.code, w.stderr).toBe(0);
    const converted = workers.flatMap((w) => JSON.parse(w.stdout).converted_segments as string[]);
    expect(converted.sort()).toEqual(Object.keys(segments(4)).map((n) => n.replace('.ndjson', '')));
    queued = q.output;
  }, 300_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('gives the rows of an independent computation from the capture, the second plugin fed the first', async () => {
    const db = await duckdb();
    const expected = `read_json('${expectedRows()}', format = 'newline_delimited',
      columns = {product_id: 'VARCHAR', trade_id: 'VARCHAR', time_ns: 'BIGINT', vwap: 'DOUBLE',
                 window_trades: 'INTEGER', deviation_bps: 'DOUBLE'})`;
    const chained = `read_parquet('${glob(whole, 'trade_vwap_deviation')}', hive_partitioning = true)`;
    const r = await db.one(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE f.trade_id IS NULL OR e.trade_id IS NULL
                                  OR epoch_ns(f.time) <> e.time_ns
                                  OR f.window_trades <> e.window_trades
                                  OR abs(f.vwap - e.vwap) > 1e-9 * e.vwap
                                  OR abs(f.deviation_bps - e.deviation_bps) > 1e-6) AS bad,
              count(*) FILTER (WHERE e.window_trades = ${WINDOW}) AS full_windows
       FROM ${chained} f FULL JOIN ${expected} e ON f.product_id = e.product_id AND f.trade_id = e.trade_id`,
    );
    expect(r).toEqual({ n: 147n, bad: 0n, full_windows: r.full_windows });
    expect(Number(r.full_windows)).toBeGreaterThan(100);
    // The first plugin's own dataset holds the same rows without the second plugin's column.
    const vwap = await db.one(
      `SELECT count(*) AS n FROM (
         SELECT * EXCLUDE (deviation_bps) FROM ${chained}
         EXCEPT ALL SELECT * FROM read_parquet('${glob(whole, 'trade_vwap')}', hive_partitioning = true))`,
    );
    expect(vwap.n).toBe(0n);
  });

  it('gives identical rows for one segment, four segments and four segments through two queue workers', async () => {
    const db = await duckdb();
    for (const other of [four, queued])
      for (const dataset of [...PLUGIN_DATASETS, 'market_trades'])
        expect(await datasetDifference(db, whole, other, dataset)).toEqual({
          dataset,
          rows: 147,
          missing: 0,
          extra: 0,
        });
  });
});

describe('a plugin config error on the worker and stream paths', () => {
  it('exits 2 naming the entry, before connecting to Redis or NATS', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-plugin-errors-'));
    const config = path.join(root, 'bad.json');
    writeFileSync(
      config,
      JSON.stringify({
        etl: { channels: { market_trades: { processors: [{ use: 'rolling-vwp', output: 'x' }] } } },
        plugins: [path.join(PLUGINS, 'rolling-vwap.mjs')],
      }),
    );
    const output = path.join(root, 'out');
    // Nothing listens on port 1: reaching the connection would be a different error (exit 1).
    for (const args of [
      ['worker', '--queue', 'redis://127.0.0.1:1', '--output', output, '--config', config],
      ['stream', '--from', 'nats://127.0.0.1:1', '--output', output, '--config', config],
    ]) {
      const r = await etl(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('etl.channels.market_trades.processors[0]');
      expect(r.stderr).toContain('rolling-vwap');
    }
  });
});
