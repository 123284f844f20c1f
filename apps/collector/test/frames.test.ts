import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureClock } from '../src/capture-clock.js';
import { envelopeLine, singleLine } from '../src/envelope.js';
import { readFrameHeader } from '../src/frame-header.js';
import { loadSegmentFrames } from '../src/replay-server.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../tooling/fixtures/coinbase');
const SEGMENT = path.join(FIXTURES, 'segment_20260809T21_00001.ndjson');
const LINES = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);

describe('envelopeLine', () => {
  it('rebuilds every line of the real segment byte for byte from its frame and capture time', () => {
    const frames = loadSegmentFrames(SEGMENT);
    expect(frames).toHaveLength(546);
    frames.forEach((f, i) => {
      const line = LINES[i]!;
      const { capture_ts, metadata } = JSON.parse(line);
      const rebuilt = envelopeLine(capture_ts, f.data, metadata.channel);
      expect(rebuilt.toString('utf8')).toBe(`${line}\n`);
    });
  });

  it('keeps the frames equal to the single-channel fixture files (same bytes, same order)', () => {
    const frames = loadSegmentFrames(SEGMENT).map((f) => f.data.toString('utf8'));
    const trades = readFileSync(path.join(FIXTURES, 'advanced-market_trades-BTC-USD.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean);
    expect(frames.filter((f) => f.startsWith('{"channel":"market_trades"'))).toEqual(trades);
  });

  it('replaces raw line breaks (whitespace in JSON) so one frame stays one line', () => {
    const { frame, replaced } = singleLine(Buffer.from('{"channel":"x",\r\n"events":[]}'));
    expect(replaced).toBe(true);
    expect(frame.toString()).toBe('{"channel":"x",  "events":[]}');
    expect(JSON.parse(frame.toString())).toEqual({ channel: 'x', events: [] });
    const plain = Buffer.from('{"a":1}');
    expect(singleLine(plain)).toEqual({ frame: plain, replaced: false });
  });
});

describe('readFrameHeader', () => {
  it('finds channel, first product and sequence number of every real frame without parsing', () => {
    for (const line of LINES) {
      const data = JSON.parse(line).data;
      const raw = Buffer.from(line.slice(line.indexOf('"data":') + 7, line.lastIndexOf(',"metadata":')));
      const h = readFrameHeader(raw);
      const ev = data.events[0] ?? {};
      const product =
        ev.product_id ??
        ev.trades?.[0]?.product_id ??
        ev.tickers?.[0]?.product_id ??
        ev.candles?.[0]?.product_id ??
        null;
      expect(h).toEqual({
        channel: data.channel,
        productId: product,
        sequenceNum: data.sequence_num,
        parsed: true,
        fast: true,
      });
    }
  });

  it('falls back to JSON.parse for unusual layouts and marks non-JSON frames', () => {
    expect(
      readFrameHeader(
        Buffer.from(
          '{ "sequence_num": 7, "channel": "ticker", "events": [{"tickers":[{"product_id":"ETH-USD"}]}]}',
        ),
      ),
    ).toEqual({
      channel: 'ticker',
      productId: 'ETH-USD',
      sequenceNum: 7,
      parsed: true,
      fast: false,
    });
    expect(readFrameHeader(Buffer.from('{"type":"error","message":"failure"}'))).toMatchObject({
      channel: 'error',
      productId: null,
      parsed: true,
    });
    expect(readFrameHeader(Buffer.from('{"channel":"l2_da'))).toMatchObject({
      channel: 'unknown',
      parsed: false,
      fast: false,
    });
    expect(readFrameHeader(Buffer.from('[1,2]'))).toMatchObject({ channel: 'unknown', parsed: true });
  });
});

describe('CaptureClock', () => {
  it("formats like the seed's capture_ts: UTC, six fractional digits, +00:00", () => {
    const clock = new CaptureClock();
    expect(clock.format(1786309548629008123n)).toBe('2026-08-09T21:05:48.629008+00:00');
    expect(clock.format(1786309549000000999n)).toBe('2026-08-09T21:05:49.000000+00:00');
    expect(clock.format(1786309548000001000n)).toBe('2026-08-09T21:05:48.000001+00:00');
  });

  it('advances with the monotonic clock from its wall-clock anchor and never goes back', () => {
    let wall = 1_786_309_548_000_000_000n;
    let mono = 5_000n;
    const clock = new CaptureClock(
      () => wall,
      () => mono,
    );
    mono += 1_234_567n;
    expect(clock.nowNs()).toBe(1_786_309_548_001_234_567n);
    // The wall clock steps back (NTP); after re-anchoring, time holds instead of going backwards.
    wall -= 10_000_000_000n;
    mono += 61_000_000_000n;
    const held = clock.nowNs();
    expect(held).toBe(1_786_309_548_001_234_567n);
    mono += 20_000_000_000n;
    expect(clock.nowNs()).toBe(wall + 20_000_000_000n);
  });
});
