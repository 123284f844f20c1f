/**
 * `etl enqueue`, `etl worker` and `etl queue-status` against a real redis-server, with worker
 * processes spawned from the CLI sources. The real capture is split into five consecutive
 * segments (the first holds the full-depth book snapshot, the others only continue the book).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RedisTestServer, startRedisServer } from '@etl/queue-bullmq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, SEGMENT } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'apps/cli/src/bin.ts');
const SEGMENTS = 5;

let redis: RedisTestServer;
let source: string;
let baseline: string;

/** The fixture as consecutive segments `segment_20260809T21_0000N.ndjson` in `dir`. */
function writeSegments(dir: string): string[] {
  const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
  mkdirSync(dir, { recursive: true });
  const size = Math.ceil(lines.length / SEGMENTS);
  return Array.from({ length: SEGMENTS }, (_, i) => {
    const file = path.join(dir, `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`);
    writeFileSync(file, `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`);
    return file;
  });
}

/** A fresh `<tmp>/raw/ready/coinbase` with the segments, an output dir and a queue of its own. */
function workspace() {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-queue-cli-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  for (const f of readdirSync(source)) cpSync(path.join(source, f), path.join(ready, f));
  return {
    root,
    ready,
    output: path.join(root, 'processed'),
    queueName: `q${randomBytes(4).toString('hex')}`,
  };
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The module resolution conditions of this test process (vitest's), so spawned workers resolve
 * modules exactly as the in-process `etl` runs of this file do.
 */
const CONDITIONS = process.execArgv.flatMap((a, i, all) =>
  a === '--conditions' || a === '-C'
    ? [`--conditions=${all[i + 1]}`]
    : a.startsWith('--conditions=')
      ? [a]
      : [],
);

/** Starts `etl worker` as its own process, from the TypeScript sources. */
function spawnWorker(args: string[]): { child: ChildProcess; exited: Promise<Exited> } {
  const conditions = CONDITIONS.length ? CONDITIONS : ['--conditions=@etl/source'];
  const child = spawn(process.execPath, [...conditions, '--import', 'tsx', BIN, 'worker', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<Exited>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

async function enqueue(ready: string, queueName: string) {
  const r = await etl([
    'enqueue',
    '--input',
    ready,
    '--queue',
    redis.url,
    '--queue-name',
    queueName,
    '--json',
  ]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    segments: number;
    added: number;
    already_queued: number;
    dates: { date: string; segments: number }[];
  };
}

const DATASETS = ['level2', 'market_trades', 'ticker', 'candles', 'quality'] as const;

/**
 * Per dataset and partition: row count, an order-independent hash of every full row, and the
 * book columns spelled out, so a difference shows where it is.
 */
async function aggregates(output: string): Promise<Record<string, unknown[]>> {
  const db = await duckdb();
  const out: Record<string, unknown[]> = {};
  for (const dataset of DATASETS) {
    const glob = path.join(output, 'coinbase', dataset, '**', '*.parquet').replaceAll("'", "''");
    const book =
      dataset === 'level2'
        ? `, count(*) FILTER (WHERE book_valid) AS valid, min(best_bid_price) AS min_bid, max(best_bid_price) AS max_bid,
             min(best_ask_price) AS min_ask, max(best_ask_price) AS max_ask, max(spread_bps) AS max_spread_bps,
             bit_xor(hash(best_bid_size, best_ask_size, mid_price, microprice, imbalance_l1, ofi)) AS book_hash`
        : '';
    out[dataset] = await db.rows(
      `SELECT partition, count(*) AS n, count(DISTINCT part) AS files, bit_xor(hash(t)) AS row_hash ${book}
       FROM (SELECT regexp_extract(filename, '${dataset}/(.*)/part-', 1) AS partition, parse_filename(filename) AS part,
                    * EXCLUDE (filename)
             FROM read_parquet('${glob}', filename = true)) t
       GROUP BY partition ORDER BY partition`,
    );
  }
  return out;
}

beforeAll(async () => {
  redis = await startRedisServer();
  source = path.join(mkdtempSync(path.join(tmpdir(), 'etl-queue-src-')), 'segments');
  writeSegments(source);
  // The single-process reference: `etl run` over the same segments.
  const ws = workspace();
  const r = await etl(['run', '--input', ws.ready, '--output', ws.output, '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).segments).toMatchObject({ processed: SEGMENTS, failed: 0 });
  baseline = ws.output;
});

afterAll(async () => {
  await redis?.stop();
});

describe('etl enqueue + etl worker', () => {
  let reference: Record<string, unknown[]>;
  beforeAll(async () => {
    reference = await aggregates(baseline);
  });

  it('gives the dataset of `etl run` with one worker process, processing each segment once', async () => {
    const ws = workspace();
    const first = await enqueue(ws.ready, ws.queueName);
    expect(first).toMatchObject({
      segments: 5,
      added: 5,
      already_queued: 0,
      dates: [{ date: '2026-08-09', segments: 5 }],
    });
    const second = await enqueue(ws.ready, ws.queueName);
    expect(second).toMatchObject({ segments: 5, added: 0, already_queued: 5, dates: [] });

    const w = spawnWorker([
      '--queue',
      redis.url,
      '--queue-name',
      ws.queueName,
      '--output',
      ws.output,
      '--until-empty',
      '--json',
    ]);
    const done = await w.exited;
    expect(done.stderr).not.toMatch(/\berror\b/);
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout);
    expect(summary.segments).toEqual({ converted: 5, already_done: 0, failed: 0 });
    expect([...summary.converted_segments].sort()).toEqual(
      [1, 2, 3, 4, 5].map((n) => `segment_20260809T21_0000${n}`),
    );
    expect(summary.commits).toEqual({ dates: ['2026-08-09'], incomplete: [] });
    expect(summary.failed_jobs).toEqual([]);
    expect(await aggregates(ws.output)).toEqual(reference);
    expect(readdirSync(ws.ready)).toEqual([]);
    expect(existsSync(path.join(ws.output, 'coinbase/_dates/2026-08-09/_SUCCESS'))).toBe(true);

    // The same segments delivered again: nothing is queued, nothing is processed.
    for (const f of readdirSync(source)) cpSync(path.join(source, f), path.join(ws.ready, f));
    expect(await enqueue(ws.ready, ws.queueName)).toMatchObject({ added: 0, already_queued: 5 });
    const status = await etl(['queue-status', '--queue', redis.url, '--queue-name', ws.queueName, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.queues.convert).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      waiting_children: 0,
      done: 5,
      failed: 0,
    });
    expect(s.queues.commit.done).toBe(1);
    expect(s.totals.failed).toBe(0);
    const text = await etl(['queue-status', '--queue', redis.url, '--queue-name', ws.queueName]);
    expect(text.stdout).toMatch(new RegExp(`${ws.queueName}-convert\\s+0\\s+0\\s+0\\s+0\\s+5\\s+0`));
  });

  it('gives the same dataset with three worker processes', async () => {
    const ws = workspace();
    await enqueue(ws.ready, ws.queueName);
    const workers = [1, 2, 3].map(() =>
      spawnWorker([
        '--queue',
        redis.url,
        '--queue-name',
        ws.queueName,
        '--output',
        ws.output,
        '--until-empty',
        '--json',
        '--concurrency',
        '1',
      ]),
    );
    const results = await Promise.all(workers.map((w) => w.exited));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const converted = results.flatMap((r) => JSON.parse(r.stdout).converted_segments as string[]).sort();
    expect(converted).toEqual([1, 2, 3, 4, 5].map((n) => `segment_20260809T21_0000${n}`));
    expect(await aggregates(ws.output)).toEqual(reference);
  });

  it('retries the job of a worker killed mid-segment elsewhere: same data, no duplicates, nothing partial', async () => {
    const ws = workspace();
    await enqueue(ws.ready, ws.queueName);
    const fast = ['--lock-duration', '2', '--stalled-interval', '1'];
    const victim = spawnWorker([
      '--queue',
      redis.url,
      '--queue-name',
      ws.queueName,
      '--output',
      ws.output,
      ...fast,
    ]);
    // Mid-segment: the first segment's part files are being written under the victim's pid.
    const level2 = path.join(ws.output, 'coinbase', 'level2');
    const writing = (name: string) =>
      name.startsWith('.part-segment_20260809T21_00001-') && name.includes(`.${victim.child.pid}-`);
    const deadline = Date.now() + 60_000;
    while (
      !(
        existsSync(level2) &&
        readdirSync(level2, { recursive: true })
          .map(String)
          .some((p) => writing(path.basename(p)))
      )
    ) {
      if (Date.now() > deadline) throw new Error('the worker never started writing the first segment');
      await new Promise((r) => setTimeout(r, 10));
    }
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(existsSync(path.join(ws.output, 'coinbase/_manifests/segment_20260809T21_00001.json'))).toBe(
      false,
    );

    const rescuer = spawnWorker([
      '--queue',
      redis.url,
      '--queue-name',
      ws.queueName,
      '--output',
      ws.output,
      '--until-empty',
      '--json',
      ...fast,
    ]);
    const done = await rescuer.exited;
    expect(done.code, done.stderr).toBe(0);
    const summary = JSON.parse(done.stdout);
    expect(summary.converted_segments).toContain('segment_20260809T21_00001');
    expect(summary.failed_jobs).toEqual([]);
    expect(await aggregates(ws.output)).toEqual(reference);
    const visible = (out: string) =>
      readdirSync(path.join(out, 'coinbase'), { recursive: true })
        .map(String)
        .filter((p) => p.endsWith('.parquet'))
        .sort();
    expect(visible(ws.output)).toEqual(visible(baseline));
    const leftovers = readdirSync(path.join(ws.output, 'coinbase'), { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('.tmp') || p.includes('.state-pass/segment_'));
    expect(leftovers).toEqual([]);
  });

  it('exits 1 under --until-empty when a job failed, and queue-status names the reason', async () => {
    const ws = workspace();
    appendFileSync(path.join(ws.ready, 'segment_20260809T21_00003.ndjson'), 'not json\n');
    const config = path.join(ws.root, 'etl.json');
    writeFileSync(config, JSON.stringify({ etl: { max_errors: 0 } }));
    const r = await etl([
      'enqueue',
      '--input',
      ws.ready,
      '--queue',
      redis.url,
      '--queue-name',
      ws.queueName,
      '--attempts',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Queued 5 of 5 segments');
    const w = spawnWorker([
      '--queue',
      redis.url,
      '--queue-name',
      ws.queueName,
      '--output',
      ws.output,
      '--config',
      config,
      '--until-empty',
    ]);
    const done = await w.exited;
    expect(done.code).toBe(1);
    // The limit named as the config file spells it, not as the library calls it (maxErrors).
    expect(done.stdout).toMatch(/FAILED q[0-9a-f]+-convert\/segment_20260809T21_00003: .*etl\.max_errors=0/);
    expect(done.stdout).not.toContain('maxErrors');
    const status = await etl(['queue-status', '--queue', redis.url, '--queue-name', ws.queueName]);
    expect(status.stdout).toMatch(
      /FAILED q[0-9a-f]+-convert\/segment_20260809T21_00003 after 1 attempt\(s\): .*segment_20260809T21_00003\.ndjson/,
    );
    expect(readdirSync(path.join(ws.root, 'raw', 'failed', 'coinbase')).sort()).toEqual([
      'segment_20260809T21_00003.ndjson',
      'segment_20260809T21_00003.ndjson.error.json',
    ]);
  });
});

describe('queue command usage', () => {
  it('exits 2 on a bad redis URL or a missing flag, 1 when Redis cannot be reached', async () => {
    const bad = await etl(['enqueue', '--input', '.', '--queue', 'localhost:6379']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--queue');
    expect(bad.stderr).toContain('redis://host:port');
    expect((await etl(['worker', '--output', 'x'])).code).toBe(2);
    expect((await etl(['queue-status', '--queue', 'http://x'])).code).toBe(2);
    expect((await etl(['worker', '--queue', redis.url, '--output', 'x', '--concurrency', '0'])).code).toBe(2);
    const gone = await etl([
      'queue-status',
      '--queue',
      `unix://${path.join(tmpdir(), 'no-such-redis.sock')}`,
    ]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('cannot reach Redis');
  });
});
