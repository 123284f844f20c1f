import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCollectorConfig, resolveCollectorConfig } from '../src/collector-config.js';
import { type CapturedFrame, FrameQueue } from '../src/frame-queue.js';
import { ReconnectBackoff } from '../src/reconnect-backoff.js';
import { SegmentWriter, segmentName } from '../src/segment-writer.js';
import { subscribeMessages } from '../src/subscription-plan.js';

const frame = (bytes: number, seq = 0): CapturedFrame => ({
  data: Buffer.alloc(bytes, 0x20),
  captureNs: 0n,
  captureTs: '',
  header: { channel: 'l2_data', productId: 'BTC-USD', sequenceNum: seq, parsed: true },
  connectionId: 'c1',
  marker: false,
});

describe('FrameQueue', () => {
  it('asks to pause above the high-water mark and to resume below the low one', async () => {
    const events: string[] = [];
    const q = new FrameQueue({
      highWaterBytes: 100,
      lowWaterBytes: 40,
      maxBytes: 1000,
      onPause: () => events.push('pause'),
      onResume: () => events.push('resume'),
    });
    for (let i = 0; i < 4; i++) q.push(frame(30, i));
    expect(events).toEqual(['pause']);
    expect(q.bytes).toBe(120);
    expect((await q.take(2)).map((f) => f.header.sequenceNum)).toEqual([0, 1]);
    expect(events).toEqual(['pause']); // 60 bytes left, above 40
    await q.take(1);
    expect(events).toEqual(['pause', 'resume']);
    expect(q.stats().counters).toMatchObject({ pauses: 1, resumes: 1, peak_bytes: 120 });
  });

  it('sheds past the hard limit, counts it and reports the burst before the next accepted frame', () => {
    const bursts: number[] = [];
    const q = new FrameQueue({
      highWaterBytes: 50,
      lowWaterBytes: 10,
      maxBytes: 100,
      onShedBurstEnd: (n) => bursts.push(n),
    });
    expect(q.push(frame(60, 1))).toBe(true);
    expect(q.push(frame(30, 2))).toBe(true);
    expect(q.push(frame(30, 3))).toBe(false);
    expect(q.push(frame(20, 4))).toBe(false);
    expect(bursts).toEqual([]);
    expect(q.push(frame(5, 5))).toBe(true);
    expect(bursts).toEqual([2]);
    expect(q.stats().counters).toMatchObject({ frames_shed: 2, bytes_shed: 50 });
    expect(q.length).toBe(3);
  });

  it('drains what is queued after close, then returns []', async () => {
    const q = new FrameQueue();
    q.push(frame(1, 1));
    q.close();
    expect((await q.take(10)).length).toBe(1);
    expect(await q.take(10)).toEqual([]);
  });
});

describe('ReconnectBackoff', () => {
  it('doubles up to the cap with equal jitter, and resets', () => {
    const low = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    const delays = [1, 2, 3, 4, 5].map(() => high.next());
    expect(delays.map(Math.round)).toEqual([100, 200, 400, 800, 1000]);
    expect(high.attempt).toBe(5);
    high.reset();
    expect(high.attempt).toBe(0);
    expect(Math.round(high.next())).toBe(100);
  });
});

describe('subscribeMessages', () => {
  it('sends one message per channel and product batch; heartbeats without products', () => {
    const products = Array.from({ length: 5 }, (_, i) => `P${i}-USD`);
    const msgs = subscribeMessages({
      channels: ['level2', 'heartbeats', 'market_trades'],
      products,
      maxProductsPerMessage: 2,
    });
    expect(msgs).toEqual([
      { type: 'subscribe', product_ids: ['P0-USD', 'P1-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['P2-USD', 'P3-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['P4-USD'], channel: 'level2' },
      { type: 'subscribe', channel: 'heartbeats' },
      { type: 'subscribe', product_ids: ['P0-USD', 'P1-USD'], channel: 'market_trades' },
      { type: 'subscribe', product_ids: ['P2-USD', 'P3-USD'], channel: 'market_trades' },
      { type: 'subscribe', product_ids: ['P4-USD'], channel: 'market_trades' },
    ]);
    expect(subscribeMessages({ channels: ['ticker'], products: ['A'], jwt: () => 'token' })).toEqual([
      { type: 'subscribe', product_ids: ['A'], channel: 'ticker', jwt: 'token' },
    ]);
  });

  it('refuses unknown channels and data channels without products', () => {
    expect(() => subscribeMessages({ channels: ['level3'], products: ['A'] })).toThrow(
      /unknown channel "level3"/,
    );
    expect(() => subscribeMessages({ channels: ['level2'], products: [] })).toThrow(
      /needs at least one product/,
    );
  });
});

describe('SegmentWriter', () => {
  const hour = Date.UTC(2026, 7, 9, 21, 5, 48);

  it('names segments by the UTC hour they were opened and a five-digit counter', () => {
    expect(segmentName(hour, 42)).toBe('segment_20260809T21_00042.ndjson');
    expect(segmentName(hour, 123456)).toBe('segment_20260809T21_123456.ndjson');
  });

  it('rotates by size and by age, moving closed segments from active/ to ready/', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-seg-'));
    let now = hour;
    const closed: string[] = [];
    const w = new SegmentWriter({
      root,
      maxBytes: 25,
      maxAgeMs: 60_000,
      now: () => now,
      onClose: (p) => closed.push(path.basename(p)),
    });
    await w.open();
    await w.write(Buffer.from('aaaaaaaaa\n')); // 10 bytes
    await w.write(Buffer.from('bbbbbbbbb\n')); // 20
    expect(w.currentPath).toBe(path.join(root, 'active', 'coinbase', 'segment_20260809T21_00001.ndjson'));
    await w.write(Buffer.from('ccccccccc\n')); // would be 30 > 25: new segment
    now += 3_600_000; // an hour later: the open segment is too old
    await w.write(Buffer.from('ddd\n'));
    await w.write(Buffer.from('a segment longer than the limit on its own\n'));
    await w.close();
    expect(closed).toEqual([
      'segment_20260809T21_00001.ndjson',
      'segment_20260809T21_00002.ndjson',
      'segment_20260809T22_00003.ndjson',
      'segment_20260809T22_00004.ndjson',
    ]);
    const ready = path.join(root, 'ready', 'coinbase');
    expect(readFileSync(path.join(ready, closed[0]!), 'utf8')).toBe('aaaaaaaaa\nbbbbbbbbb\n');
    expect(readFileSync(path.join(ready, closed[1]!), 'utf8')).toBe('ccccccccc\n');
    expect(readFileSync(path.join(ready, closed[3]!), 'utf8')).toBe(
      'a segment longer than the limit on its own\n',
    );
    expect(readdirSync(path.join(root, 'active', 'coinbase'))).toEqual(['.segment-counter']);
    expect(w.stats().counters).toMatchObject({ rotations_size: 2, rotations_time: 1, segments_closed: 4 });
  });

  it('closes an old segment on its timer even when no line comes', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-seg-'));
    let now = hour;
    const closed: string[] = [];
    const w = new SegmentWriter({
      root,
      maxAgeMs: 1000,
      fsyncIntervalMs: 20,
      now: () => now,
      onClose: (p) => closed.push(p),
    });
    await w.open();
    await w.write(Buffer.from('x\n'));
    now += 5000;
    for (let i = 0; i < 100 && closed.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed.map((p) => path.basename(p))).toEqual(['segment_20260809T21_00001.ndjson']);
    expect(w.currentPath).toBeUndefined();
    await w.close();
  });

  it('recovers segments left in active/ and never reuses a counter, even after the ETL deleted them', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-seg-'));
    const w1 = new SegmentWriter({ root, now: () => hour });
    await w1.open();
    await w1.write(Buffer.from('one\n'));
    await w1.close();
    // The ETL processed and deleted segment 1; a crashed run left segment 7 in active/.
    const active = path.join(root, 'active', 'coinbase');
    const ready = path.join(root, 'ready', 'coinbase');
    mkdirSync(active, { recursive: true });
    writeFileSync(path.join(active, 'segment_20260809T21_00007.ndjson'), '{"partial":');
    rmSync(path.join(ready, 'segment_20260809T21_00001.ndjson'));
    const w2 = new SegmentWriter({ root, now: () => hour });
    expect((await w2.open()).map((p) => path.basename(p))).toEqual(['segment_20260809T21_00007.ndjson']);
    await w2.write(Buffer.from('two\n'));
    await w2.close();
    expect(readdirSync(ready).sort()).toEqual([
      'segment_20260809T21_00007.ndjson',
      'segment_20260809T21_00008.ndjson',
    ]);
    expect(readFileSync(path.join(ready, 'segment_20260809T21_00007.ndjson'), 'utf8')).toBe('{"partial":');
    // With segment 7 gone too, the counter file still says 8.
    rmSync(path.join(ready, 'segment_20260809T21_00007.ndjson'));
    rmSync(path.join(ready, 'segment_20260809T21_00008.ndjson'));
    const w3 = new SegmentWriter({ root, now: () => hour });
    await w3.open();
    await w3.write(Buffer.from('three\n'));
    await w3.close();
    expect(readdirSync(ready)).toEqual(['segment_20260809T21_00009.ndjson']);
  });
});

describe('collector config', () => {
  it('reads the collector key with snake_case settings and lets flags win', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etl-cfg-'));
    const file = path.join(dir, 'collector.yaml');
    writeFileSync(
      file,
      'collector:\n  products: [BTC-USD, ETH-USD]\n  output_dir: raw\n  max_segment_age_s: 60\n  nats:\n    url: nats://127.0.0.1:4222\n    stream: MD\n  reconnect:\n    initial_delay_ms: 250\n',
    );
    const c = await resolveCollectorConfig({
      config: file,
      products: 'SOL-USD',
      'max-segment-bytes': '1048576',
    });
    expect(c).toEqual({
      products: ['SOL-USD'],
      outputDir: path.join(dir, 'raw'),
      maxSegmentAgeS: 60,
      maxSegmentBytes: 1048576,
      natsUrl: 'nats://127.0.0.1:4222',
      stream: 'MD',
      initialDelayMs: 250,
    });
  });

  it('names the offending key', async () => {
    expect(() => parseCollectorConfig({ collector: { prodcts: ['A'] } }, '/')).toThrow(/collector\.prodcts/);
    expect(() => parseCollectorConfig({ collector: { nats: { ur: 'x' } } }, '/')).toThrow(
      /collector\.nats\.ur/,
    );
    await expect(resolveCollectorConfig({ products: 'A' })).rejects.toThrow(/--output/);
    await expect(resolveCollectorConfig({ output: 'x' })).rejects.toThrow(/product/);
  });
});
