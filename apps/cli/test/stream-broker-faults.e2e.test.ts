/**
 * `etl stream` against a real, file-backed nats-server that is SIGKILLed at random instants and
 * started again (same port, same store) while the stream is read. The datasets must equal a clean
 * run's and every message must be processed exactly once: a broker fault may delay the stream,
 * never skip or repeat a message.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectNats, ensureMarketDataStream, JetStreamPublisher, marketDataSubject } from '@etl/stream-nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsBroker, type RestartableBroker } from './broker-process.js';
import { datasetDifference, duckdb, etl, SEGMENT } from './helpers.js';

const STREAM = 'MD_FAULTS';
const PREFIX = 'md.faults';
const FRAMES = 21_840;
const KILLS = 10;

let work: string;
let nats: RestartableBroker;

/** The real session: its snapshot once, then its other frames looped, sequence numbers continuous. */
function sessionLines(total: number): string[] {
  const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
  const snapshot = lines.findIndex((l) => l.length > 1_000_000);
  const head = lines.slice(0, snapshot + 1);
  const body = lines.slice(snapshot + 1);
  const out: string[] = [];
  for (let i = 0; out.length < total; i++) {
    const line = i < head.length ? head[i]! : body[(i - head.length) % body.length]!;
    out.push(line.replace(/"sequence_num":\d+/, `"sequence_num":${i}`));
  }
  return out;
}

async function publish(
  lines: readonly string[],
  { stream = STREAM, prefix = PREFIX, maxBytes = 0, offset = 0 } = {},
): Promise<void> {
  const nc = await connectNats(nats.url);
  await ensureMarketDataStream(nc, {
    name: stream,
    subjects: [`${prefix}.>`],
    storage: 'file',
    ...(maxBytes ? { maxBytes } : {}),
  });
  const publisher = new JetStreamPublisher({ connection: nc, maxInFlight: 256 });
  const encoder = new TextEncoder();
  for (const [i, line] of lines.entries()) {
    const data = JSON.parse(line).data;
    const product = data.events?.[0]?.product_id ?? data.events?.[0]?.updates?.[0]?.product_id ?? null;
    await publisher.publish(
      marketDataSubject(prefix, data.channel, product),
      encoder.encode(line),
      `f${offset + i}`,
    );
  }
  await publisher.flush();
  await nc.close();
}

function streamArgs(output: string, durable: string, stream = STREAM, prefix = PREFIX): string[] {
  return [
    'stream',
    '--from',
    nats.url,
    '--output',
    output,
    '--stream',
    stream,
    '--subject',
    `${prefix}.>`,
    '--durable',
    durable,
    '--roll-rows',
    '1000',
    '--roll-interval',
    '1',
    '--no-features',
    '--idle-exit',
    '8',
    '--json',
  ];
}

/** Stream position of the latest roll `etl stream` committed into `output` (0 before the first). */
function committedUpTo(output: string, durable: string): number {
  const dir = path.join(output, 'coinbase', '_state', 'stream', durable);
  const names = existsSync(dir)
    ? readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    : [];
  const latest = names.sort().at(-1);
  return latest ? JSON.parse(readFileSync(path.join(dir, latest), 'utf8')).state.position : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'etl-stream-faults-'));
  nats = await natsBroker(work);
  await nats.start();
  await publish(sessionLines(FRAMES));
}, 120_000);

afterAll(async () => {
  await nats?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('etl stream while nats-server is SIGKILLed and restarted', () => {
  it('delivers every message once and writes the datasets of a clean run', async () => {
    const clean = path.join(work, 'clean');
    const cleanRun = await etl(streamArgs(clean, 'clean'));

    expect(cleanRun.code, cleanRun.stderr).toBe(0);
    expect(JSON.parse(cleanRun.stdout)).toMatchObject({ records: FRAMES, position: FRAMES });

    const faulted = path.join(work, 'faulted');
    const running = etl(streamArgs(faulted, 'faulted'));
    let finished = false;
    void running.finally(() => (finished = true));
    let kills = 0;
    while (kills < KILLS && !finished) {
      await sleep(100 + Math.random() * 600);
      if (finished || committedUpTo(faulted, 'faulted') >= FRAMES) break;
      await nats.kill();
      kills++;
      await sleep(100 + Math.random() * 400);
      await nats.start();
    }
    const result = await running;
    // Every kill landed before the stream was committed to its end, or the test proves nothing.
    expect(kills).toBe(KILLS);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ records: FRAMES, position: FRAMES });

    const db = await duckdb();
    for (const dataset of ['level2', 'market_trades', 'ticker']) {
      // Both differences 0 means the same rows, so the same count, as the clean run.
      const d = await datasetDifference(db, clean, faulted, dataset);
      expect(d.rows, dataset).toBeGreaterThan(0);
      expect(d).toEqual({ dataset, rows: d.rows, missing: 0, extra: 0 });
    }
  }, 170_000);

  it('exits 1 naming the sequences when the stream removed messages it had not read yet', async () => {
    // Small frames only (no snapshot), in a stream too small to keep all of them.
    const lines = sessionLines(300).filter((l) => l.length < 20_000);
    const bytes = (from: number, to: number) => lines.slice(from, to).reduce((n, l) => n + l.length, 0);
    // Room for the first 20 frames, not for all 200: the oldest go first.
    const maxBytes = Math.max(2 * bytes(0, 20), Math.floor(bytes(0, 200) / 2));
    expect(maxBytes).toBeLessThan(bytes(0, 200) - bytes(0, 30));
    const output = path.join(work, 'gap');
    const gapStream = { stream: 'MD_GAP', prefix: 'md.gap', maxBytes };
    await publish(lines.slice(0, 20), gapStream);
    const first = await etl([
      ...streamArgs(output, 'gap', 'MD_GAP', 'md.gap').slice(0, -3),
      '--idle-exit',
      '1',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ records: 20, position: 20 });
    // While no `etl stream` runs, the stream's size limit drops messages 21.. before anyone read them.
    await publish(lines.slice(20, 200), { ...gapStream, offset: 20 });
    const second = await etl([
      ...streamArgs(output, 'gap', 'MD_GAP', 'md.gap').slice(0, -3),
      '--idle-exit',
      '1',
      '--json',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/messages at sequence 21-\d+ were removed by the stream's limits/);
    expect(second.stdout).toBe('');
  }, 60_000);
});
