import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connectNats, ensureMarketDataStream, type NatsConnection } from '@etl/stream-nats';
import { type NatsTestServer, startNatsServer } from '@etl/stream-nats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capture,
  count,
  DATASETS,
  difference,
  duckdb,
  etlRun,
  exited,
  FRAMES,
  readySegments,
  spawnEtlStream,
  tmp,
  until,
} from './helpers.js';

const STREAM = 'LIVE_COINBASE';
const SUBJECT = 'live.coinbase.>';

/** Stream manifests committed so far, with the last sequence each covers. */
function committed(out: string): number[] {
  const dir = path.join(out, 'coinbase', '_manifests');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith('stream-') && n.endsWith('.json'))
    .map((n) => Number(/#\d+-(\d+)$/.exec(JSON.parse(readFileSync(path.join(dir, n), 'utf8')).segment)![1]))
    .sort((a, b) => a - b);
}

describe('collector → JetStream → etl stream, killed and restarted', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats(nats.url);
    await ensureMarketDataStream(nc, { name: STREAM, subjects: [SUBJECT] });
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('gives the same rows as etl run on the same capture, without loss or duplicates, and publishes features', async () => {
    const root = tmp('live-raw');
    const out = tmp('live-out');
    const streamArgs = [
      '--from',
      nats.url,
      '--output',
      out,
      '--stream',
      STREAM,
      '--subject',
      SUBJECT,
      '--features-subject',
      'live.features',
    ];
    // The session replays at ×5 (about 5 s) while etl stream runs on the bus.
    const capturing = capture(
      { script: () => ({ frames: FRAMES }), speedup: 5 },
      { segments: { root }, nats: { connection: nc, subjectPrefix: 'live.coinbase' } },
      FRAMES.length,
    );
    const first = spawnEtlStream([...streamArgs, '--roll-interval', '0.2']);
    await until(() => committed(out).length > 0 || first.exitCode !== null);
    first.kill('SIGKILL');
    expect((await exited(first)).signal, first.output.stderr).toBe('SIGKILL');
    const killedAt = committed(out).at(-1)!;
    await capturing;
    const total = FRAMES.length + 2; // + the collector's connect and stop records
    expect(killedAt).toBeLessThan(total);

    const features: Record<string, unknown>[] = [];
    const sub = nc.subscribe('live.features.>', { callback: (_e, m) => void features.push(m.json()) });
    const second = spawnEtlStream([...streamArgs, '--roll-interval', '0.5', '--idle-exit', '1.5', '--json']);
    const end = await exited(second);
    sub.unsubscribe();
    expect(end.code, second.output.stderr).toBe(0);
    const summary = JSON.parse(second.output.stdout);
    expect(summary).toMatchObject({ resumed_from: killedAt, position: total, records: total - killedAt });

    // The same capture through the batch path.
    const { output: batch } = await etlRun(readySegments(root), 'live-batch');
    const q = await duckdb();
    for (const dataset of DATASETS) {
      expect(await count(q, out, dataset), dataset).toBe(await count(q, batch, dataset));
      expect(await difference(q, batch, out, dataset), dataset).toEqual([0, 0]);
    }
    // Restoring the books after the kill is the only addition to the quality dataset.
    expect(await difference(q, batch, out, 'quality', { where: "kind <> 'checkpoint_restored'" })).toEqual([
      0, 0,
    ]);
    expect(await count(q, out, 'quality', "kind = 'checkpoint_restored'")).toBe(1);

    // Features of the resumed run: one per book or trades message, ending on the final book.
    expect(features.length).toBeGreaterThan(0);
    const book = features.filter((f) => f.event === 'book').at(-1)!;
    expect(book).toMatchObject({
      product_id: 'BTC-USD',
      best_bid_price: 65083.66,
      best_ask_price: 65083.67,
      book_valid: true,
    });
    expect(typeof book.capture_timestamp).toBe('string');
    expect(BigInt(book.capture_timestamp as string)).toBeGreaterThan(0n);
    expect(features.some((f) => f.event === 'trade' && typeof f.trade_flow === 'number')).toBe(true);

    // The durable consumer is acknowledged up to the last commit.
    const reply = await nc.request(`$JS.API.CONSUMER.INFO.${STREAM}.etl-stream`, '', { timeout: 5000 });
    expect(JSON.parse(reply.string()).ack_floor.stream_seq).toBe(total);
  });
});
