import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryQuarantine, type SourceRecord } from '@etl/core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamPublisher } from './jetstream-publisher.js';
import { JetStreamReader } from './jetstream-reader.js';
import { ensureMarketDataStream } from './market-data-stream.js';
import { connectNats } from './nats-connection.js';
import { RowPublisher } from './row-publisher.js';
import { marketDataSubject } from './subjects.js';
import { type NatsTestServer, startNatsServer } from './testing/nats-server.js';

const SEGMENT = path.resolve(
  import.meta.dirname,
  '../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson',
);
const LINES = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
const encoder = new TextEncoder();

let server: NatsTestServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: 'stream-nats-test' });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

/** Publishes every fixture line to `stream` as the collector would; returns the publisher. */
async function publishSegment(stream: string, prefix: string): Promise<JetStreamPublisher> {
  await ensureMarketDataStream(nc, { name: stream, subjects: [`${prefix}.>`] });
  const publisher = new JetStreamPublisher({ connection: nc, maxInFlight: 64 });
  for (const line of LINES) {
    const envelope = JSON.parse(line);
    const data = envelope.data;
    const product = data.events?.[0]?.product_id ?? data.events?.[0]?.updates?.[0]?.product_id ?? null;
    await publisher.publish(
      marketDataSubject(prefix, data.channel, product),
      encoder.encode(line),
      `c1:${data.sequence_num}`,
    );
  }
  await publisher.flush();
  return publisher;
}

async function readAll(reader: JetStreamReader, stream: string): Promise<SourceRecord[][]> {
  const batches: SourceRecord[][] = [];
  for await (const batch of reader.read(stream)) batches.push(batch);
  return batches;
}

describe('ensureMarketDataStream', () => {
  it('creates a limits stream once and adds missing subjects later', async () => {
    const first = await ensureMarketDataStream(nc, {
      name: 'S_SETUP',
      subjects: ['setup.a.>'],
      maxAgeMs: 60_000,
    });
    expect(first).toMatchObject({ name: 'S_SETUP', created: true, subjects: ['setup.a.>'], messages: 0 });
    const again = await ensureMarketDataStream(nc, { name: 'S_SETUP', subjects: ['setup.a.>'] });
    expect(again.created).toBe(false);
    const widened = await ensureMarketDataStream(nc, { name: 'S_SETUP', subjects: ['setup.b.>'] });
    expect(widened.subjects).toEqual(['setup.a.>', 'setup.b.>']);
    const info = await (await jetstreamManager(nc)).streams.info('S_SETUP');
    expect(info.config.max_age).toBe(60_000 * 1_000_000);
    expect(info.config.duplicate_window).toBe(60_000 * 1_000_000); // clamped to max_age
  });
});

describe('JetStreamPublisher and JetStreamReader on the real segment', () => {
  beforeAll(async () => {
    const publisher = await publishSegment('S_SEG', 'seg');
    expect(publisher.stats()).toMatchObject({ recordsIn: LINES.length, recordsOut: LINES.length, errors: 0 });
  });

  it('stores each frame once: a republished msgID is a duplicate', async () => {
    const publisher = new JetStreamPublisher({ connection: nc });
    await publisher.publish(
      'seg.heartbeats._',
      encoder.encode(LINES[1]!),
      `c1:${JSON.parse(LINES[1]!).data.sequence_num}`,
    );
    await publisher.flush();
    expect(publisher.stats().counters.duplicates).toBe(1);
    expect(publisher.stats().recordsOut).toBe(0);
    const info = await ensureMarketDataStream(nc, { name: 'S_SEG', subjects: ['seg.>'] });
    expect(info.messages).toBe(LINES.length);
  });

  it('reads every frame back in order as records named by stream and sequence', async () => {
    const reader = new JetStreamReader({ connection: nc, batchSize: 100, stopAfterIdleMs: 300 });
    const batches = await readAll(reader, 'S_SEG');
    const records = batches.flat();
    expect(batches.every((b) => b.length > 0 && b.length <= 100)).toBe(true);
    expect(records.map((r) => r.line)).toEqual(LINES.map((_, i) => i + 1));
    expect(records.every((r) => r.file === 'jetstream:S_SEG')).toBe(true);
    expect(records.map((r) => r.value)).toEqual(LINES.map((l) => JSON.parse(l)));
    expect(records.map((r) => r.bytes)).toEqual(LINES.map((l) => Buffer.byteLength(l)));
    expect(reader.lastSequence).toBe(LINES.length);
    expect(reader.stats()).toMatchObject({ recordsIn: LINES.length, recordsOut: LINES.length, errors: 0 });
  });

  it('starts at a sequence and filters by subject', async () => {
    const fromSeq = new JetStreamReader({ connection: nc, startSequence: 500, stopAfterIdleMs: 300 });
    expect((await readAll(fromSeq, 'S_SEG')).flat().map((r) => r.line)).toEqual(
      Array.from({ length: LINES.length - 499 }, (_, i) => 500 + i),
    );
    const tickers = new JetStreamReader({
      connection: nc,
      filterSubject: 'seg.ticker.*',
      stopAfterIdleMs: 300,
    });
    const values = (await readAll(tickers, 'S_SEG'))
      .flat()
      .map((r) => (r.value as { data: { channel: string } }).data.channel);
    expect(values.length).toBe(73);
    expect(new Set(values)).toEqual(new Set(['ticker']));
  });

  it('gives text or bytes when asked', async () => {
    const text = new JetStreamReader({
      connection: nc,
      startSequence: LINES.length,
      decode: 'text',
      stopAfterIdleMs: 200,
    });
    expect((await readAll(text, 'S_SEG')).flat().map((r) => r.value)).toEqual([LINES.at(-1)]);
    const bytes = new JetStreamReader({
      connection: nc,
      startSequence: LINES.length,
      decode: 'bytes',
      stopAfterIdleMs: 200,
    });
    const [record] = (await readAll(bytes, 'S_SEG')).flat();
    expect(Buffer.from(record!.value as Uint8Array).toString('utf8')).toBe(LINES.at(-1));
  });
});

describe('JetStreamReader start time, durables and bad messages', () => {
  it('starts at the first message stored at or after a time', async () => {
    await ensureMarketDataStream(nc, { name: 'S_TIME', subjects: ['time.>'] });
    const publisher = new JetStreamPublisher({ connection: nc });
    for (let i = 0; i < 5; i++) await publisher.publish('time.a', encoder.encode(JSON.stringify({ i })));
    await publisher.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cut = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 5; i < 8; i++) await publisher.publish('time.a', encoder.encode(JSON.stringify({ i })));
    await publisher.flush();
    const reader = new JetStreamReader({
      connection: nc,
      startTime: cut.toISOString(),
      stopAfterIdleMs: 300,
    });
    expect((await readAll(reader, 'S_TIME')).flat().map((r) => r.value)).toEqual([
      { i: 5 },
      { i: 6 },
      { i: 7 },
    ]);
  });

  it('continues a durable consumer after what was acknowledged, without waiting for redelivery', async () => {
    await ensureMarketDataStream(nc, { name: 'S_DUR', subjects: ['dur.>'] });
    const publisher = new JetStreamPublisher({ connection: nc });
    for (let i = 1; i <= 40; i++) await publisher.publish('dur.a', encoder.encode(JSON.stringify({ i })));
    await publisher.flush();
    // 'auto': the batch in progress when the caller stops is handed back, the ones before are acked.
    const first = new JetStreamReader({ connection: nc, durable: 'worker', batchSize: 10 });
    const batches: number[][] = [];
    for await (const batch of first.read('S_DUR')) {
      batches.push(batch.map((r) => r.line));
      if (batches.flat().length >= 20) break;
    }
    expect(batches.flat()).toEqual(Array.from({ length: batches.flat().length }, (_, i) => i + 1));
    const resumeAt = batches.at(-1)![0]!;
    const second = new JetStreamReader({
      connection: nc,
      durable: 'worker',
      batchSize: 10,
      stopAfterIdleMs: 300,
    });
    const rest = (await readAll(second, 'S_DUR')).flat().map((r) => r.line);
    // The unacknowledged batch comes first: without restarting after the ack floor it would only
    // come after the 10-minute ack wait (the test would time out) and after later messages.
    expect(rest).toEqual(Array.from({ length: 41 - resumeAt }, (_, i) => i + resumeAt));
    expect(first.stats().counters.acks).toBeGreaterThan(0);
  });

  it("'manual' acks only on ack(upTo), by batch, and recreateDurable restarts at a given sequence", async () => {
    await ensureMarketDataStream(nc, { name: 'S_MAN', subjects: ['man.>'] });
    const publisher = new JetStreamPublisher({ connection: nc });
    for (let i = 1; i <= 30; i++) await publisher.publish('man.a', encoder.encode(JSON.stringify({ i })));
    await publisher.flush();
    const reader = new JetStreamReader({ connection: nc, durable: 'm', ack: 'manual', batchSize: 10 });
    const ends: number[] = [];
    for await (const batch of reader.read('S_MAN')) {
      ends.push(batch.at(-1)!.line);
      if (ends.at(-1)! >= 20) {
        // Output committed up to 15: the last batch ending at or before it is acknowledged.
        reader.ack(15);
        break;
      }
    }
    const floor = Math.max(...ends.filter((e) => e <= 15));
    expect(floor).toBeGreaterThan(0);
    await nc.flush();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info('S_MAN', 'm');
    expect(info.ack_floor.stream_seq).toBe(floor);
    expect(reader.stats().counters.acks).toBe(1);
    const again = new JetStreamReader({
      connection: nc,
      durable: 'm',
      ack: 'manual',
      recreateDurable: true,
      startSequence: 17,
      stopAfterIdleMs: 300,
    });
    expect((await readAll(again, 'S_MAN')).flat().map((r) => r.line)).toEqual(
      Array.from({ length: 14 }, (_, i) => i + 17),
    );
  });

  it('quarantines a message that is not JSON, naming stream and sequence, and goes on', async () => {
    await ensureMarketDataStream(nc, { name: 'S_BAD', subjects: ['bad.>'] });
    const publisher = new JetStreamPublisher({ connection: nc });
    await publisher.publish('bad.a', encoder.encode('{"ok":1}'));
    await publisher.publish('bad.a', encoder.encode('{"capture_ts": "2026-08-09T21:05'));
    await publisher.publish('bad.a', encoder.encode('{"ok":3}'));
    await publisher.flush();
    const quarantine = new MemoryQuarantine();
    const reader = new JetStreamReader({ connection: nc, quarantine, stopAfterIdleMs: 300 });
    const records = (await readAll(reader, 'S_BAD')).flat();
    expect(records.map((r) => [r.line, r.value])).toEqual([
      [1, { ok: 1 }],
      [3, { ok: 3 }],
    ]);
    expect(quarantine.entries).toHaveLength(1);
    expect(quarantine.entries[0]).toMatchObject({
      file: 'jetstream:S_BAD',
      line: 2,
      stage: 'reader',
      raw: '{"capture_ts": "2026-08-09T21:05',
    });
    expect(quarantine.entries[0]!.reason).toMatch(/invalid JSON on subject bad\.a/);
    expect(reader.stats().errors).toBe(1);
  });

  it('yields empty batches while idle when idleMs is set, and ends on abort', async () => {
    await ensureMarketDataStream(nc, { name: 'S_IDLE', subjects: ['idle.>'] });
    const controller = new AbortController();
    const reader = new JetStreamReader({ connection: nc, idleMs: 50, signal: controller.signal });
    let empty = 0;
    for await (const batch of reader.read('S_IDLE')) {
      expect(batch).toEqual([]);
      if (++empty === 3) controller.abort();
    }
    expect(empty).toBe(3);
    expect(reader.stats().counters.idle_batches).toBe(3);
  });
});

describe('RowPublisher', () => {
  it('publishes rows as JSON on subjects from a template', async () => {
    const sub = nc.subscribe('feat.>');
    const received: { subject: string; row: Record<string, unknown> }[] = [];
    const done = (async () => {
      for await (const m of sub) {
        received.push({ subject: m.subject, row: m.json() });
        if (received.length === 3) break;
      }
    })();
    const publisher = new RowPublisher({ connection: nc, subject: 'feat.{product_id}.{kind}' });
    publisher.publish([
      { product_id: 'BTC-USD', kind: 'book', mid_price: 65083.665, server_timestamp: 1786309548483587501n },
      { product_id: 'ETH.USD', kind: 'trade', mid_price: null },
      { kind: 'book' },
    ]);
    await publisher.flush();
    await done;
    expect(received).toEqual([
      {
        subject: 'feat.BTC-USD.book',
        row: {
          product_id: 'BTC-USD',
          kind: 'book',
          mid_price: 65083.665,
          server_timestamp: '1786309548483587501',
        },
      },
      { subject: 'feat.ETH_USD.trade', row: { product_id: 'ETH.USD', kind: 'trade', mid_price: null } },
      { subject: 'feat._.book', row: { kind: 'book' } },
    ]);
    expect(publisher.stats().recordsOut).toBe(3);
  });

  it('refuses a broken template', () => {
    expect(() => new RowPublisher({ connection: nc, subject: 'feat.{product_id' })).toThrow(/unclosed/);
    expect(() => new RowPublisher({ connection: nc, subject: 'feat.{}' })).toThrow(/empty/);
  });
});

describe('startNatsServer', () => {
  it('names the apt package when the binary is missing', async () => {
    await expect(
      startNatsServer({ bin: 'nats-server-that-does-not-exist', ignoreEnv: true }),
    ).rejects.toThrow(/apt-get install -y nats-server/);
  });

  it('reports a connection failure with the URL', async () => {
    await expect(connectNats('nats://127.0.0.1:1', { timeoutMs: 500 })).rejects.toThrow(
      /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/,
    );
  });
});
