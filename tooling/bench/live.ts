/**
 * Live-path benchmark: replay server → collector → NATS JetStream → `etl stream` → features on
 * NATS, each in its own process as in production (nats-server, and the collector and `etl stream`
 * as built by `pnpm build`; the replay server and the feature subscriber run here).
 *
 *   pnpm build && npx tsx --conditions=@etl/source tooling/bench/live.ts [--frames 100000] [--rate 1000] [--latency-seconds 20]
 *
 * 1. Throughput: the real BTC-USD session (its snapshot once, then its 530 other frames looped
 *    with continuous sequence numbers) is sent as fast as the collector takes it. Reported: frames/s
 *    captured and stored in JetStream by the collector, and frames/s end to end (first frame sent →
 *    the feature of the last one received).
 * 2. Latency: the same frames paced at `--rate` frames/s. Each feature carries the collector's
 *    capture time; latency is its arrival at a NATS subscriber minus that time (same machine, same
 *    clock), median and p99, with `etl stream` committing Parquet every 10 s meanwhile. The steady
 *    state leaves out the first 3 s, when the 5 MB snapshot is parsed and builds a backlog.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CaptureClock } from '../../apps/collector/src/capture-clock.js';
import {
  CoinbaseReplayServer,
  loadSegmentFrames,
  type ReplayFrame,
} from '../../apps/collector/src/replay-server.js';
import { connectNats } from '../../packages/stream-nats/src/index.js';
import { startNatsServer } from '../../packages/stream-nats/src/testing/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SEGMENT = path.join(ROOT, 'tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson');

const { values: flags } = parseArgs({
  options: {
    frames: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '20' },
  },
});

/** The session with its snapshot once and the rest looped to `total` frames, sequence numbers continuous. */
function session(total: number, paceMs?: number): ReplayFrame[] {
  const frames = loadSegmentFrames(SEGMENT);
  const snapshot = frames.findIndex((f) => f.data.length > 1_000_000);
  const head = frames.slice(0, snapshot + 1);
  const body = frames.slice(snapshot + 1);
  const out: ReplayFrame[] = [];
  for (let i = 0; out.length < total; i++) {
    const f = i < head.length ? head[i]! : body[(i - head.length) % body.length]!;
    const data = Buffer.from(f.data.toString('utf8').replace(/"sequence_num":\d+/, `"sequence_num":${i}`));
    out.push({ data, atMs: paceMs === undefined ? 0 : i * paceMs });
  }
  return out;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Waits until `check` holds; fails naming `what` after `seconds`. */
async function until(what: string, check: () => boolean | Promise<boolean>, seconds = 180): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`live bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function node(script: string, args: readonly string[]): ChildProcess {
  const file = path.join(ROOT, script);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`);
  const child = spawn(process.execPath, [file, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('close', () => children.delete(child));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (/error|warn/i.test(d))
      process.stderr.write(`[${path.basename(path.dirname(path.dirname(script)))}] ${d}`);
  });
  return child;
}

function stdoutOf(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
  return new Promise((resolve) => child.once('close', () => resolve(text)));
}

const quantile = (sorted: readonly number[], q: number): number | undefined =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

interface RunResult {
  frames: number;
  sendSeconds: number;
  collectorFps: number;
  endToEndFps: number;
  latenciesMs: number[];
  steadyLatenciesMs: number[];
  features: number;
  streamSummary: Record<string, unknown>;
}

async function run(
  name: string,
  frames: ReplayFrame[],
  speedup: number,
  natsUrl: string,
  warmupFrames: number,
): Promise<RunResult> {
  const work = mkdtempSync(path.join(tmpdir(), `etl-live-bench-${name}-`));
  const stream = `BENCH_${name.toUpperCase()}`;
  const prefix = `bench.${name}`;
  const nc = await connectNats(natsUrl);
  const clock = new CaptureClock();
  const latencies: number[] = [];
  /** Latencies of frames sent after the warm-up (the 5 MB snapshot first builds a backlog). */
  const steady: number[] = [];
  const warmupSeq = warmupFrames;
  let features = 0;
  let lastFeatureAt = 0;
  let lastFeatureSeq = -1;
  // Ticker and heartbeat frames yield no feature, and looped trades are dropped as repeats: the
  // last level2 frame is the last one sure to produce a feature.
  let lastSeq = frames.length - 1;
  while (!frames[lastSeq]!.data.subarray(0, 24).toString().includes('l2_data')) lastSeq--;
  nc.subscribe(`${prefix}.features.>`, {
    callback: (_e, m) => {
      const now = clock.nowNs();
      const f = m.json<{ capture_timestamp: string | null; sequence_num: string | null }>();
      features++;
      lastFeatureAt = performance.now();
      if (f.sequence_num !== null) lastFeatureSeq = Math.max(lastFeatureSeq, Number(f.sequence_num));
      if (f.capture_timestamp !== null) {
        const ms = Number(now - BigInt(f.capture_timestamp)) / 1e6;
        latencies.push(ms);
        if (Number(f.sequence_num) > warmupSeq) steady.push(ms);
      }
    },
  });
  const server = await CoinbaseReplayServer.start({
    script: () => ({ frames }),
    speedup,
    subscriptionsBeforeReplay: 4,
  });
  const etl = node('apps/cli/dist/bin.js', [
    'stream',
    '--from',
    natsUrl,
    '--output',
    path.join(work, 'out'),
    '--stream',
    stream,
    '--subject',
    `${prefix}.md.>`,
    '--features-subject',
    `${prefix}.features`,
    '--roll-interval',
    '10',
    '--json',
    '--quiet',
  ]);
  const etlOut = stdoutOf(etl);
  const collector = node('apps/collector/dist/bin.js', [
    '--url',
    server.url,
    '--products',
    'BTC-USD',
    '--nats',
    natsUrl,
    '--stream',
    stream,
    '--subject-prefix',
    `${prefix}.md`,
    '--log-level',
    'warn',
    '--json',
  ]);
  const collectorOut = stdoutOf(collector);
  // Sending starts once the collector has subscribed.
  await until('the collector to subscribe', () => (server.connections[0]?.sent ?? 0) > 0);
  const t0 = performance.now();
  await until('the replay to finish', () => server.connections[0]!.done);
  const sent = performance.now();
  // The collector has stored everything when the stream's last sequence covers every frame (+1 connect record).
  const jsInfo = async () =>
    JSON.parse((await nc.request(`$JS.API.STREAM.INFO.${stream}`, '', { timeout: 5000 })).string());
  await until(
    'JetStream to hold every frame',
    async () => (await jsInfo()).state.last_seq >= frames.length + 1,
  );
  const stored = performance.now();
  const progress = setInterval(
    () =>
      process.stderr.write(
        `  ${name}: ${features} features, last level2 seq ${lastFeatureSeq} of ${lastSeq}\n`,
      ),
    5000,
  );
  await until('the feature of the last level2 frame', () => lastFeatureSeq >= lastSeq).finally(() =>
    clearInterval(progress),
  );
  const processed = lastFeatureAt;
  collector.kill('SIGTERM');
  etl.kill('SIGTERM');
  await collectorOut;
  const summary = JSON.parse((await etlOut).trim() || '{}');
  await server.close();
  await nc.close();
  rmSync(work, { recursive: true, force: true });
  return {
    frames: frames.length,
    sendSeconds: (sent - t0) / 1000,
    collectorFps: frames.length / ((stored - t0) / 1000),
    endToEndFps: frames.length / ((processed - t0) / 1000),
    latenciesMs: latencies.sort((a, b) => a - b),
    steadyLatenciesMs: steady.sort((a, b) => a - b),
    features,
    streamSummary: summary,
  };
}

const nats = await startNatsServer({ ignoreEnv: true });
try {
  const total = Number(flags.frames);
  const rate = Number(flags.rate);
  console.log(
    `live bench: nats-server ${nats.url}, ${total} frames as fast as possible, then ${rate} frames/s for ${flags['latency-seconds']} s`,
  );
  const fast = await run('throughput', session(total), Number.POSITIVE_INFINITY, nats.url, 0);
  const paced = await run(
    'latency',
    session(rate * Number(flags['latency-seconds']), 1000 / rate),
    1,
    nats.url,
    3 * rate,
  );
  const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)} ms`);
  const lines = [
    '| measure | value |',
    '|---|---|',
    `| frames (throughput run) | ${fast.frames} (${(fast.frames / fast.sendSeconds).toFixed(0)} frames/s offered) |`,
    `| collector → JetStream (stored) | ${fast.collectorFps.toFixed(0)} frames/s |`,
    `| end to end (→ etl stream → features) | ${fast.endToEndFps.toFixed(0)} frames/s |`,
    `| features published (throughput run) | ${fast.features} |`,
    `| paced run | ${paced.frames} frames at ${rate} frames/s, ${paced.features} features |`,
    `| latency capture → feature, steady state (after 3 s), median / p99 / max | ${ms(quantile(paced.steadyLatenciesMs, 0.5))} / ${ms(quantile(paced.steadyLatenciesMs, 0.99))} / ${ms(paced.steadyLatenciesMs.at(-1))} (${paced.steadyLatenciesMs.length} features) |`,
    `| latency capture → feature, whole paced run incl. the 5 MB snapshot, median / p99 | ${ms(quantile(paced.latenciesMs, 0.5))} / ${ms(quantile(paced.latenciesMs, 0.99))} |`,
    `| latency under full load (throughput run), median / p99 | ${ms(quantile(fast.latenciesMs, 0.5))} / ${ms(quantile(fast.latenciesMs, 0.99))} |`,
  ];
  console.log(lines.join('\n'));
  console.log(
    JSON.stringify({
      throughput: { ...fast, latenciesMs: undefined, steadyLatenciesMs: undefined },
      latency: { ...paced, latenciesMs: undefined, steadyLatenciesMs: undefined },
    }),
  );
} finally {
  await nats.stop();
}
