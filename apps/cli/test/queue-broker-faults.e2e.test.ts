/**
 * `etl worker --until-empty` while its redis-server (no persistence) is SIGKILLed and started
 * again empty: the queue forgot the work, so the worker must not report success. It exits 1
 * saying what to do, its summary lists every segment it converted (committed output), no segment
 * is lost (each is committed or still in ready/), and enqueueing again finishes the job with the
 * datasets of one `etl run`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestartableBroker, redisBroker } from './broker-process.js';
import { datasetDifference, duckdb, etl, SEGMENT } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'apps/cli/src/bin.ts');
const SEGMENTS = 22;
const DATASETS = ['level2', 'market_trades', 'ticker', 'candles', 'quality'];

let work: string;
let redis: RestartableBroker;

/** The fixture as consecutive segments in a fresh `ready/` under `root`. */
function readyWithSegments(root: string): { ready: string; names: string[] } {
  const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  const size = Math.ceil(lines.length / SEGMENTS);
  const names = Array.from({ length: SEGMENTS }, (_, i) => {
    const name = `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`;
    writeFileSync(path.join(ready, name), `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`);
    return name;
  });
  return { ready, names };
}

const CONDITIONS = process.execArgv.flatMap((a, i, all) =>
  a === '--conditions' || a === '-C'
    ? [`--conditions=${all[i + 1]}`]
    : a.startsWith('--conditions=')
      ? [a]
      : [],
);

function spawnWorker(args: string[]): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const conditions = CONDITIONS.length ? CONDITIONS : ['--conditions=@etl/source'];
  const child = spawn(process.execPath, [...conditions, '--import', 'tsx', BIN, 'worker', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited };
}

/** Segment ids whose conversion is committed in `output`. */
function committed(output: string): string[] {
  const dir = path.join(output, 'coinbase', '_manifests');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.slice(0, -'.json'.length))
    .filter((id) => JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')).published === true)
    .sort();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'etl-queue-faults-'));
  redis = await redisBroker(work);
  await redis.start();
}, 60_000);

afterAll(async () => {
  await redis?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('etl worker when Redis loses the queue', () => {
  it('exits 1 saying to enqueue again, loses no segment, and enqueueing again finishes the job', async () => {
    const reference = path.join(work, 'reference');
    const ref = readyWithSegments(reference);
    const run = await etl([
      'run',
      '--input',
      ref.ready,
      '--output',
      path.join(reference, 'processed'),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);

    const root = path.join(work, 'queued');
    const { ready, names } = readyWithSegments(root);
    const output = path.join(root, 'processed');
    const queueArgs = ['--queue', redis.url, '--queue-name', 'faults'];
    const enqueued = await etl(['enqueue', '--input', ready, ...queueArgs, '--json']);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(JSON.parse(enqueued.stdout)).toMatchObject({ segments: SEGMENTS, added: SEGMENTS });

    const worker = spawnWorker([...queueArgs, '--output', output, '--until-empty', '--json']);
    let finished = false;
    void worker.exited.then(() => (finished = true));
    // Kill Redis once a couple of segments are converted, and bring it back empty.
    while (committed(output).length < 2 && !finished) await sleep(20);
    expect(finished).toBe(false);
    await redis.kill();
    await sleep(300);
    await redis.start();
    const lost = await worker.exited;

    expect(lost.code, lost.stderr).toBe(1);
    expect(lost.stderr).toMatch(/the queue's state in Redis was lost while this worker ran/);
    expect(lost.stderr).toContain(`run \`etl enqueue --input ${ready}\` again`);
    const summary = JSON.parse(lost.stdout);
    expect(summary.queue_state_lost).not.toBeNull();
    const done = committed(output);
    expect(done.length).toBeLessThan(SEGMENTS);
    // Every segment this worker converted is in its summary, even those Redis never recorded.
    expect([...summary.converted_segments].sort()).toEqual(done);
    // None lost: each segment is committed or still waiting in ready/.
    const left = readdirSync(ready).filter((n) => n.endsWith('.ndjson'));
    expect(names.filter((n) => !left.includes(n) && !done.includes(n.replace(/\.ndjson$/, '')))).toEqual([]);
    expect(left.filter((n) => done.includes(n.replace(/\.ndjson$/, '')))).toEqual([]);

    const again = await etl(['enqueue', '--input', ready, ...queueArgs, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).added).toBe(left.length);
    const second = await spawnWorker([...queueArgs, '--output', output, '--until-empty', '--json']).exited;
    expect(second.code, second.stderr).toBe(0);
    expect(readdirSync(ready).filter((n) => n.endsWith('.ndjson'))).toEqual([]);
    expect(committed(output)).toHaveLength(SEGMENTS);

    const db = await duckdb();
    for (const dataset of DATASETS) {
      const d = await datasetDifference(db, path.join(reference, 'processed'), output, dataset);
      expect(d.rows, dataset).toBeGreaterThan(0);
      expect(d).toEqual({ dataset, rows: d.rows, missing: 0, extra: 0 });
    }
  }, 170_000);
});
