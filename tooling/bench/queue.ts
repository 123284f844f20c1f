/**
 * Distributed processing on this machine, measured in one run: the same consecutive segments
 * through the single-process `etl run`, then through BullMQ (`etl enqueue` + 1, 2 and 3 `etl
 * worker` processes, each run on a fresh queue and output), checking every run's Parquet files
 * are byte-identical to `etl run`'s. Then the queue's own cost: many one-line segments through
 * `etl run` and through the queue, the difference per segment.
 *
 *   npx tsx --conditions=@etl/source tooling/bench/queue.ts [--mib 96] [--segments 6] [--tiny 200] [--no-build]
 *
 * Workers and `etl run` are the built CLI (apps/cli/dist), started as separate processes;
 * redis-server is started on a private socket (or REDIS_URL is used).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
// Not a dependency of the workspace root: the test helper is imported from the package's sources.
import { startRedisServer } from '../../packages/queue-bullmq/src/testing/redis-server.js';
import { generateSegment } from './generate-segment.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const WORK = path.join(tmpdir(), 'etl-bench-queue');
const RESULTS = path.join(ROOT, 'tooling', 'bench', 'results', 'queue');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return v;
}

const MIB = arg('mib', 96);
const SEGMENTS = arg('segments', 6);
const TINY = arg('tiny', 200);

/** Splits `file` by lines into `n` consecutive segments named as a collector rotates them. */
async function splitByLines(file: string, dir: string, n: number, hour: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const total = statSync(file).size;
  const names = Array.from({ length: n }, (_, i) =>
    path.join(dir, `segment_20260809T${hour}_${String(i + 1).padStart(5, '0')}.ndjson`),
  );
  if (names.every((f) => existsSync(f))) return names;
  const chunks: string[][] = names.map(() => []);
  let seen = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    const k = Math.min(n - 1, Math.floor((seen * n) / total));
    chunks[k]!.push(line);
    seen += line.length + 1;
  }
  for (const [i, f] of names.entries()) writeFileSync(f, `${chunks[i]!.join('\n')}\n`);
  return names;
}

/** `count` one-heartbeat segments with one connection's sequence numbers. */
function tinySegments(dir: string, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const f = path.join(dir, `segment_20260809T22_${String(i + 1).padStart(5, '0')}.ndjson`);
    const ts = `2026-08-09T22:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.5Z`;
    const data = `{"channel":"heartbeats","client_id":"","timestamp":"${ts}","sequence_num":${i},"events":[{"current_time":"${ts}","heartbeat_counter":${i}}]}`;
    writeFileSync(
      f,
      `{"capture_ts":"${ts.replace('Z', '+00:00')}","data":${data},"metadata":{"source":"coinbase","channel":"heartbeats"}}\n`,
    );
    return f;
  });
}

/** A fresh `<dir>/raw/ready/coinbase` with hard links to the segments. */
function stage(name: string, segments: readonly string[]): { ready: string; output: string } {
  const dir = path.join(WORK, 'runs', name);
  rmSync(dir, { recursive: true, force: true });
  const ready = path.join(dir, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  for (const s of segments) linkSync(s, path.join(ready, path.basename(s)));
  return { ready, output: path.join(dir, 'processed') };
}

function cli(args: string[]): { seconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`etl ${args[0]} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds, stdout: r.stdout };
}

function workers(count: number, args: string[]): Promise<{ seconds: number; outputs: string[] }> {
  const started = process.hrtime.bigint();
  const runs = Array.from(
    { length: count },
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'worker', ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
        });
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString('utf8');
        });
        child.on('exit', (code) =>
          code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err.slice(-2000)}`)),
        );
      }),
  );
  return Promise.all(runs).then((outputs) => ({
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    outputs,
  }));
}

/** Relative path → bytes of every Parquet file under `<output>/coinbase`. */
function parquetFiles(output: string): Map<string, Buffer> {
  const root = path.join(output, 'coinbase');
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.parquet')) {
      const full = path.join(e.parentPath, e.name);
      out.set(path.relative(root, full), readFileSync(full));
    }
  }
  return out;
}

function identical(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.get(k)?.equals(v)) return false;
  return true;
}

interface Row {
  name: string;
  seconds: number;
  mibPerS: number;
  enqueueS?: number;
  identical?: boolean;
  perWorker?: string;
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    const b = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@etl/cli', '--output-logs=errors-only'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
    if (b.status !== 0) throw new Error('build failed');
  }
  mkdirSync(WORK, { recursive: true });
  const redis = await startRedisServer();
  try {
    const source = path.join(WORK, `source-${MIB}MiB.ndjson`);
    await generateSegment(source, { bytes: MIB * 2 ** 20, seed: 7, startNs: 1786309200_000_000_000n }); // 2026-08-09T21:00Z
    const segments = await splitByLines(
      source,
      path.join(WORK, `segments-${MIB}x${SEGMENTS}`),
      SEGMENTS,
      '21',
    );
    const bytes = segments.reduce((n, f) => n + statSync(f).size, 0);
    const mib = bytes / 2 ** 20;
    process.stderr.write(
      `${SEGMENTS} segments, ${mib.toFixed(1)} MiB, ${cpus().length} cores, Redis ${redis.url}\n`,
    );
    const rows: Row[] = [];

    const single = stage('run', segments);
    const run = cli([
      'run',
      '--input',
      single.ready,
      '--output',
      single.output,
      '--json',
      '--keep-input',
      '--quiet',
    ]);
    rows.push({ name: '`etl run` (one process)', seconds: run.seconds, mibPerS: mib / run.seconds });
    const reference = parquetFiles(single.output);
    process.stderr.write(`etl run: ${run.seconds.toFixed(2)} s\n`);

    for (const n of [1, 2, 3]) {
      const s = stage(`queue-${n}`, segments);
      const queueName = `bench${n}-${process.pid}`;
      const enq = cli([
        'enqueue',
        '--input',
        s.ready,
        '--queue',
        redis.url,
        '--queue-name',
        queueName,
        '--json',
      ]);
      const w = await workers(n, [
        '--queue',
        redis.url,
        '--queue-name',
        queueName,
        '--output',
        s.output,
        '--until-empty',
        '--json',
        '--keep-input',
        '--quiet',
      ]);
      const total = enq.seconds + w.seconds;
      const split = w.outputs
        .map((o) => (JSON.parse(o) as { segments: { converted: number } }).segments.converted)
        .join('+');
      rows.push({
        name: `queue: ${n} worker process${n > 1 ? 'es' : ''}`,
        seconds: total,
        mibPerS: mib / total,
        enqueueS: enq.seconds,
        identical: identical(reference, parquetFiles(s.output)),
        perWorker: split,
      });
      process.stderr.write(`${n} worker(s): ${total.toFixed(2)} s (segments per worker ${split})\n`);
    }

    // The queue's own cost per segment: segments with one line each, so processing is ~nothing.
    const tiny = tinySegments(path.join(WORK, `tiny-${TINY}`), TINY);
    const tinyRunDir = stage('tiny-run', tiny);
    const tinyRun = cli([
      'run',
      '--input',
      tinyRunDir.ready,
      '--output',
      tinyRunDir.output,
      '--json',
      '--keep-input',
      '--quiet',
    ]);
    const tinyQ = stage('tiny-queue', tiny);
    const tinyName = `benchtiny-${process.pid}`;
    const tinyEnq = cli([
      'enqueue',
      '--input',
      tinyQ.ready,
      '--queue',
      redis.url,
      '--queue-name',
      tinyName,
      '--json',
    ]);
    const tinyW = await workers(1, [
      '--queue',
      redis.url,
      '--queue-name',
      tinyName,
      '--output',
      tinyQ.output,
      '--until-empty',
      '--json',
      '--keep-input',
      '--quiet',
    ]);
    const tinyQueue = tinyEnq.seconds + tinyW.seconds;
    const overheadMs = ((tinyQueue - tinyRun.seconds) / TINY) * 1000;

    const md = [
      '# Queue benchmark (BullMQ workers vs `etl run`)',
      '',
      `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores; ${SEGMENTS} consecutive segments, ${mib.toFixed(1)} MiB (generated, 4 products, one connection).`,
      '',
      '| run | wall (s) | MiB/s | × `etl run` | of which enqueue (s) | segments per worker | output identical to `etl run` |',
      '|---|---:|---:|---:|---:|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.seconds.toFixed(2)} | ${r.mibPerS.toFixed(1)} | ${(rows[0]!.seconds / r.seconds).toFixed(2)} | ${r.enqueueS?.toFixed(2) ?? '–'} | ${r.perWorker ?? '–'} | ${r.identical === undefined ? '(reference)' : r.identical ? 'yes (byte for byte)' : 'NO'} |`,
      ),
      '',
      `Queue overhead: ${TINY} one-line segments took ${tinyRun.seconds.toFixed(2)} s with \`etl run\` and ${tinyQueue.toFixed(2)} s through the queue with one worker (enqueue ${tinyEnq.seconds.toFixed(2)} s): **${overheadMs.toFixed(1)} ms per segment** (enqueue ${((tinyEnq.seconds / TINY) * 1000).toFixed(1)} ms of it, process start-ups included).`,
      '',
    ].join('\n');
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      path.join(RESULTS, 'latest.json'),
      `${JSON.stringify({ mib, segments: SEGMENTS, rows, tiny: { segments: TINY, runS: tinyRun.seconds, queueS: tinyQueue, enqueueS: tinyEnq.seconds, overheadMsPerSegment: overheadMs } }, null, 2)}\n`,
    );
    writeFileSync(path.join(RESULTS, 'latest.md'), md);
    process.stdout.write(md);
    if (rows.some((r) => r.identical === false)) process.exitCode = 1;
  } finally {
    await redis.stop();
  }
}

await main();
