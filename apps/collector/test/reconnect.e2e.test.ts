import { readFileSync } from 'node:fs';
import { connectNats, ensureMarketDataStream, type NatsConnection } from '@etl/stream-nats';
import { type NatsTestServer, startNatsServer } from '@etl/stream-nats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayFrame } from '../src/replay-server.js';
import {
  capture,
  count,
  DATASETS,
  difference,
  duckdb,
  etl,
  etlRun,
  FRAMES,
  readySegments,
  scan,
  tmp,
} from './helpers.js';

/** Frames sent on the first connection before it dies, and frames lost while reconnecting. */
const CUT = 250;
const LOST = 20;
/** Level2 update frames of the new connection before the exchange sends its fresh snapshot. */
const UPDATES_BEFORE_SNAPSHOT = 30;

const text = (f: ReplayFrame) => f.data.toString('utf8');
const seqOf = (f: ReplayFrame) => JSON.parse(text(f)).sequence_num as number;

/** The exchange's full book after frame `upTo` (its own state does not care about our connection). */
function bookAfter(upTo: number): Map<string, Map<string, string>> {
  const book = new Map([
    ['bid', new Map<string, string>()],
    ['offer', new Map<string, string>()],
  ]);
  for (let i = 0; i <= upTo; i++) {
    const m = JSON.parse(text(FRAMES[i]!));
    if (m.channel !== 'l2_data') continue;
    for (const e of m.events) {
      if (e.type === 'snapshot') for (const side of book.values()) side.clear();
      for (const u of e.updates) {
        const side = book.get(u.side)!;
        if (Number(u.new_quantity) === 0) side.delete(u.price_level);
        else side.set(u.price_level, u.new_quantity);
      }
    }
  }
  return book;
}

/**
 * The second connection as Coinbase would serve it: sequence numbers restart at 0, some level2
 * updates arrive first (the book cannot take them: no snapshot yet on this connection), then a
 * fresh full snapshot, then the rest of the session.
 */
function secondConnection(): ReplayFrame[] {
  const rest = FRAMES.slice(CUT + LOST);
  let updates = 0;
  let at = rest.findIndex(
    (f) => text(f).startsWith('{"channel":"l2_data"') && ++updates === UPDATES_BEFORE_SNAPSHOT,
  );
  at += 1;
  const origin = FRAMES.indexOf(rest[at - 1]!);
  const ts = JSON.parse(text(rest[at - 1]!)).timestamp as string;
  const updatesOf = [...bookAfter(origin)].flatMap(([side, levels]) =>
    [...levels].map(([price, qty]) => ({ side, event_time: ts, price_level: price, new_quantity: qty })),
  );
  const snapshot = {
    channel: 'l2_data',
    client_id: '',
    timestamp: ts,
    sequence_num: 0,
    events: [{ type: 'snapshot', product_id: 'BTC-USD', updates: updatesOf }],
  };
  const frames = [
    ...rest.slice(0, at),
    { data: Buffer.from(JSON.stringify(snapshot)), atMs: rest[at - 1]!.atMs },
    ...rest.slice(at),
  ];
  const t0 = frames[0]!.atMs;
  return frames.map((f, i) => ({
    data: Buffer.from(text(f).replace(/"sequence_num":\d+/, `"sequence_num":${i}`)),
    atMs: f.atMs - t0,
  }));
}

describe('the WebSocket drops mid-stream', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let root: string;
  let output: string;
  let conn2: ReplayFrame[];
  let stats: ReturnType<import('../src/collector.js').Collector['stats']>;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats(nats.url);
    await ensureMarketDataStream(nc, { name: 'RC_COINBASE', subjects: ['rc.coinbase.>'] });
    root = tmp('reconnect');
    conn2 = secondConnection();
    const { collector } = await capture(
      { script: (n) => (n === 0 ? { frames: FRAMES, dropAfter: CUT } : { frames: conn2 }), speedup: 50 },
      { segments: { root }, nats: { connection: nc, subjectPrefix: 'rc.coinbase' } },
      CUT + conn2.length,
    );
    stats = collector.stats();
    ({ output } = await etlRun(readySegments(root), 'reconnect-run'));
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('reconnects with backoff and records the gap in the capture', () => {
    expect(stats.counters).toMatchObject({
      connections: 2,
      reconnects: 1,
      disconnects: 1,
      'markers:reconnect': 1,
    });
    const lines = readySegments(root).flatMap((s) => readFileSync(s, 'utf8').split('\n').filter(Boolean));
    const marker = lines
      .map((l) => JSON.parse(l))
      .find((e) => e.data.channel === '_connection' && e.data.event === 'reconnect');
    expect(marker.metadata).toEqual({ source: 'coinbase', channel: '_connection' });
    expect(marker.data.previous.last_sequence_num).toBe(seqOf(FRAMES[CUT - 1]!));
    expect(marker.data.previous.frames).toBe(CUT);
    expect(marker.data.down_ms).toBeGreaterThanOrEqual(0);
    expect(marker.data.attempt).toBe(1);
  });

  it('the quality dataset says so, and the book is invalid until the next snapshot', async () => {
    const q = await duckdb();
    const reconnects = await q(
      `SELECT sequence_from, sequence_to, detail FROM ${scan(output, 'quality')} WHERE kind = 'reconnect'`,
    );
    expect(reconnects).toEqual([
      {
        sequence_from: BigInt(seqOf(FRAMES[CUT - 1]!)),
        sequence_to: 0n,
        detail: expect.stringContaining('BTC-USD'),
      },
    ]);
    const marker = readySegments(root)
      .flatMap((s) => readFileSync(s, 'utf8').split('\n').filter(Boolean))
      .find((l) => l.includes('"event":"reconnect"'))!;
    const after = `capture_timestamp >= TIMESTAMP_NS '${JSON.parse(marker).capture_ts.replace('+00:00', '')}'`;
    const snapshotSeq = conn2.findIndex((f) => text(f).includes('"type":"snapshot"'));
    const invalid = await count(q, output, 'level2', `${after} AND sequence_num < ${snapshotSeq}`);
    const updatesBefore = conn2
      .slice(0, snapshotSeq)
      .reduce((n, f) => n + (JSON.parse(text(f)).events?.[0]?.updates?.length ?? 0), 0);
    expect(invalid).toBe(updatesBefore);
    expect(
      await count(q, output, 'level2', `${after} AND sequence_num < ${snapshotSeq} AND book_valid`),
    ).toBe(0);
    expect(
      await count(q, output, 'level2', `${after} AND sequence_num >= ${snapshotSeq} AND NOT book_valid`),
    ).toBe(0);
    // The fresh snapshot plus the rest of the session end on the README's final top of book.
    const [last] = await q(
      `SELECT best_bid_price, best_ask_price FROM ${scan(output, 'level2')} ORDER BY capture_timestamp DESC, sequence_num DESC LIMIT 1`,
    );
    expect(last).toEqual({ best_bid_price: 65083.66, best_ask_price: 65083.67 });
  });

  it('etl stream over JetStream sees the same reconnect and writes the same rows', async () => {
    const live = tmp('reconnect-live');
    const r = await etl([
      'stream',
      '--from',
      nats.url,
      '--output',
      live,
      '--subject',
      'rc.coinbase.>',
      '--stream',
      'RC_COINBASE',
      '--idle-exit',
      '1',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: CUT + conn2.length + 3 }); // + connect, reconnect, stop records
    const q = await duckdb();
    for (const dataset of [...DATASETS, 'quality']) {
      expect(await difference(q, output, live, dataset), dataset).toEqual([0, 0]);
    }
  });
});
