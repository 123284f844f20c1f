import { describe, expect, it } from 'vitest';
import { readFixtureLines, SEGMENT } from './__fixtures__/fixture-records.js';
import { AdvancedTradeLineScanner } from './line-scanner.js';
import { decodeScannedFrames, encodeScannedFrames, scannedFrameBuffers } from './scanned-frame-codec.js';
import type { ScannedLevel2Frame } from './scanned-frames.js';

function scanAll(lines: readonly string[]): ScannedLevel2Frame[] {
  const scanner = new AdvancedTradeLineScanner();
  const frames: ScannedLevel2Frame[] = [];
  for (const line of lines) {
    const bytes = Buffer.from(line);
    const frame = scanner.parse(bytes, 0, bytes.length);
    if (frame) frames.push(frame);
  }
  return frames;
}

describe('scanned frame codec', () => {
  it('gives back frames equal to the scanned ones (real capture, envelope and bare)', async () => {
    const lines = await readFixtureLines(SEGMENT);
    const bare = lines.map((l) => {
      const m = /^\{"capture_ts":"[^"]*","data":(.*),"metadata":\{[^}]*\}\}$/.exec(l);
      return m ? m[1]! : l;
    });
    for (const input of [lines, bare]) {
      const frames = scanAll(input);
      expect(frames.length).toBeGreaterThan(10);
      const decoded = decodeScannedFrames(structuredClone(encodeScannedFrames(frames)));
      expect(decoded).toEqual(frames);
    }
  });

  it('keeps client ids, snapshots, several events and a missing capture time', () => {
    const lines = [
      '{"channel":"l2_data","client_id":"c-1","timestamp":"2026-08-09T23:59:00.1Z","sequence_num":7,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"1.5","new_quantity":"2"},{"side":"offer","event_time":"2026-08-09T23:59:00.000001Z","price_level":"3","new_quantity":"0.25"}]},{"type":"update","product_id":"ETH-USD","updates":[{"side":"offer","event_time":"2026-08-10T00:00:00Z","price_level":"123456789.123456789","new_quantity":"0"}]}]}',
      '{"capture_ts":"2026-08-09T23:59:00.2+00:00","data":{"channel":"l2_data","timestamp":"2026-08-09T23:59:00.1Z","sequence_num":8,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026-08-09T23:59:00Z","price_level":"1.5","new_quantity":"0"}]}]},"metadata":{"source":"coinbase","channel":"l2_data"}}',
    ];
    const frames = scanAll(lines);
    expect(frames).toHaveLength(2);
    const encoded = encodeScannedFrames(frames);
    expect(scannedFrameBuffers(encoded)).toHaveLength(1);
    const decoded = decodeScannedFrames(encoded);
    expect(decoded).toEqual(frames);
    expect(decoded[0]!.clientId).toBe('c-1');
    expect(decoded[0]!.captureTimestamp).toBeNull();
    expect(decoded[1]!.captureTimestamp).toBe(frames[1]!.captureTimestamp);
    expect(decoded[0]!.events.map((e) => e.type)).toEqual(['snapshot', 'update']);
    expect(decoded[0]!.events[1]!.values).toEqual([Number('123456789.123456789'), 0]);
  });

  it('encodes an empty batch', () => {
    expect(decodeScannedFrames(encodeScannedFrames([]))).toEqual([]);
  });
});
