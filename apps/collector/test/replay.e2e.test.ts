import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  capture,
  count,
  DATASETS,
  difference,
  duckdb,
  etlRun,
  FRAMES,
  readySegments,
  referenceOutput,
  tmp,
} from './helpers.js';

/**
 * A local WebSocket server replays the real BTC-USD session (546 frames over 24 s) with its
 * original timing, 50 times faster; the collector captures it into segment files.
 */
describe('collector → segments → etl run, on the real session replayed at ×50', () => {
  let root: string;
  let segments: string[];
  let stats: ReturnType<import('../src/collector.js').Collector['stats']>;
  let subscriptions: unknown[];

  beforeAll(async () => {
    root = tmp('replay');
    // 2 MiB segments: the 5 MB snapshot frame forces a size rotation before and after it.
    const { collector, server } = await capture(
      { script: () => ({ frames: FRAMES }), speedup: 50 },
      { segments: { root, maxBytes: 2 * 1024 * 1024 } },
      FRAMES.length,
    );
    stats = collector.stats();
    subscriptions = server.connections[0]!.subscriptions;
    segments = readySegments(root);
  });

  it('subscribes one channel per message, heartbeats without products', () => {
    expect(subscriptions).toEqual([
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'market_trades' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'ticker' },
      { type: 'subscribe', channel: 'heartbeats' },
    ]);
  });

  it("writes every frame byte for byte in the seed's envelope, stamped in order, in rotated segments", () => {
    expect(segments.map((s) => path.basename(s))).toEqual(
      segments.map((_, i) =>
        expect.stringMatching(new RegExp(`^segment_\\d{8}T\\d{2}_0000${i + 1}\\.ndjson$`)),
      ),
    );
    expect(segments.length).toBe(3);
    const lines = segments.flatMap((s) => readFileSync(s, 'utf8').split('\n').filter(Boolean));
    const frames = lines.filter((l) => !l.includes('"channel":"_connection"'));
    expect(frames).toHaveLength(FRAMES.length);
    let last = '';
    frames.forEach((line, i) => {
      const m =
        /^\{"capture_ts":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00)","data":(.*),"metadata":\{"source":"coinbase","channel":"([a-z_0-9]+)"\}\}$/.exec(
          line,
        );
      expect(m, line.slice(0, 120)).not.toBeNull();
      expect(m![2]).toBe(FRAMES[i]!.data.toString('utf8'));
      expect(m![3]).toBe(JSON.parse(m![2]!).channel);
      expect(m![1]! >= last).toBe(true);
      last = m![1]!;
    });
    // The connection and the stop are recorded in the capture for the ETL to see.
    const markers = lines.filter((l) => l.includes('"channel":"_connection"')).map((l) => JSON.parse(l).data);
    expect(markers.map((m) => m.event)).toEqual(['connect', 'stop']);
    expect(typeof markers[0].timestamp).toBe('string');
    expect(stats.recordsIn).toBe(FRAMES.length);
    expect(stats.errors).toBe(0);
    expect(stats.counters).toMatchObject({ connections: 1, 'markers:connect': 1, 'markers:stop': 1 });
  });

  it('gives the same datasets through etl run as the fixture segment itself (capture times aside)', async () => {
    const { output, summary } = await etlRun(segments, 'replay-run');
    const reference = await referenceOutput();
    expect(summary.segments).toMatchObject({ processed: 3, failed: 0 });
    expect(summary.quarantined_lines).toBe(0);
    const q = await duckdb();
    for (const dataset of DATASETS) {
      expect(await count(q, output, dataset), dataset).toBe(await count(q, reference, dataset));
      expect(
        await difference(q, reference, output, dataset, { exclude: ['capture_timestamp'] }),
        dataset,
      ).toEqual([0, 0]);
    }
    // The books carried across the three segments: only 'checkpoint_restored' rows are new.
    expect(
      await difference(q, reference, output, 'quality', { where: "kind <> 'checkpoint_restored'" }),
    ).toEqual([0, 0]);
    expect(await count(q, output, 'quality', "kind = 'checkpoint_restored'")).toBe(2);
    // Capture times are the collector's own, in frame order, close to the replayed spacing.
    const [span] = await q(
      `SELECT (epoch_ns(max(capture_timestamp)) - epoch_ns(min(capture_timestamp))) / 1e9 AS s FROM ${(await import('./helpers.js')).scan(output, 'level2')}`,
    );
    expect(Number(span!.s)).toBeGreaterThan(0);
  });
});
