import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryLogger } from '@etl/core';
import { CoinbaseSegmentPipeline } from '@etl/orchestrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitFixtureSegment } from './__fixtures__/segments.js';
import { readQueueStatus } from './queue-status.js';
import { SegmentEnqueuer } from './segment-enqueuer.js';
import { SegmentWorker } from './segment-worker.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

let server: RedisTestServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Every visible and hidden file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function setUp(parts: number) {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-queue-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  const files = splitFixtureSegment(ready, parts);
  const baselineInput = path.join(root, 'baseline-input');
  mkdirSync(baselineInput);
  for (const f of files) cpSync(f, path.join(baselineInput, path.basename(f)));
  return {
    root,
    ready,
    files,
    baselineInput,
    output: path.join(root, 'processed'),
    queueName: `w${randomBytes(4).toString('hex')}`,
  };
}

describe('SegmentWorker', () => {
  it('converts every segment through the queue into exactly what one sequential run writes', async () => {
    const t = setUp(5);
    const baseline = path.join(t.root, 'baseline');
    const sequential = new CoinbaseSegmentPipeline({ outputDir: baseline });
    for (const f of readdirSync(t.baselineInput).sort())
      await sequential.processSegment(path.join(t.baselineInput, f));

    const enqueuer = new SegmentEnqueuer({ connection: server.url, queueName: t.queueName });
    expect((await enqueuer.enqueue(t.ready)).added).toHaveLength(5);
    const logger = new MemoryLogger();
    const worker = new SegmentWorker({
      connection: server.url,
      queueName: t.queueName,
      outputDir: t.output,
      concurrency: 2,
      waitPollMs: 50,
      logger,
    });
    const summary = await worker.runUntilEmpty({ pollMs: 100 });

    expect(summary.failed_jobs).toEqual([]);
    expect(summary.segments).toEqual({ converted: 5, alreadyDone: 0, failed: 0 });
    expect(summary.states.saved + summary.states.present).toBe(4);
    expect(summary.commits).toEqual({ dates: ['2026-08-09'], incomplete: [] });
    expect(summary.quarantined_lines).toBe(0);
    expect(summary.lines).toBe(546);
    expect(summary.datasets.level2!.rows).toBe(46377 + 331 + 427 + 402 + 393);
    expect(logger.records.filter((r) => r.message === 'segment converted')).toHaveLength(5);
    expect(worker.stats()).toMatchObject({
      recordsIn: 546,
      errors: 0,
      counters: { segments_converted: 5, dates_committed: 1 },
    });

    // Same files, same bytes (file names and contents are deterministic), same checkpoints.
    const datasetFiles = (base: string) =>
      filesUnder(path.join(base, 'coinbase')).filter((f) => f.endsWith('.parquet'));
    expect(datasetFiles(t.output)).toEqual(datasetFiles(baseline));
    expect(datasetFiles(t.output).filter((f) => f.startsWith('level2/'))).toHaveLength(5);
    const checkpoints = filesUnder(path.join(baseline, 'coinbase/_state/checkpoints')).map(
      (f) => `_state/checkpoints/${f}`,
    );
    expect(checkpoints).toHaveLength(5);
    for (const rel of [...datasetFiles(baseline), ...checkpoints]) {
      const expected = readFileSync(path.join(baseline, 'coinbase', rel));
      expect(readFileSync(path.join(t.output, 'coinbase', rel)).equals(expected), rel).toBe(true);
    }
    // Nothing hidden or half-written is left next to the data; inputs are finished.
    expect(filesUnder(path.join(t.output, 'coinbase')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(t.ready)).toEqual([]);
    const day = JSON.parse(
      readFileSync(path.join(t.output, 'coinbase/_dates/2026-08-09/manifest.json'), 'utf8'),
    );
    expect(day).toMatchObject({ date: '2026-08-09', complete: true, failed: [] });
    expect(day.segments).toHaveLength(5);
    expect(day.datasets.level2.rows).toBe(summary.datasets.level2!.rows);
    expect(existsSync(path.join(t.output, 'coinbase/_dates/2026-08-09/_SUCCESS'))).toBe(true);

    // Enqueueing the same segments again processes nothing.
    for (const f of t.files) cpSync(path.join(t.baselineInput, path.basename(f)), f);
    const again = await enqueuer.enqueue(t.ready);
    expect(again.added).toEqual([]);
    expect(again.alreadyQueued).toHaveLength(5);
    await enqueuer.close();
    const idle = await new SegmentWorker({
      connection: server.url,
      queueName: t.queueName,
      outputDir: t.output,
    }).runUntilEmpty({ pollMs: 50 });
    expect(idle.segments.converted).toBe(0);
    const status = await readQueueStatus({ connection: server.url, queueName: t.queueName });
    expect(status.queues.convert).toMatchObject({ done: 5, failed: 0, waiting: 0, active: 0 });
    expect(status.queues.commit.done).toBe(1);
  });

  it('fails a bad segment for good after its attempts, moves it aside, and still converts the rest', async () => {
    const t = setUp(3);
    appendFileSync(t.files[1]!, 'not json at all\n');
    const enqueuer = new SegmentEnqueuer({
      connection: server.url,
      queueName: t.queueName,
      attempts: 2,
      backoffMs: 20,
    });
    await enqueuer.enqueue(t.ready);
    await enqueuer.close();
    const worker = new SegmentWorker({
      connection: server.url,
      queueName: t.queueName,
      outputDir: t.output,
      maxErrors: 0,
      waitPollMs: 20,
    });
    const summary = await worker.runUntilEmpty({ pollMs: 100 });

    expect(summary.segments).toMatchObject({ converted: 2, failed: 1 });
    const finalFailures = summary.failed_jobs.map((f) => `${f.queue.replace(t.queueName, 'q')}/${f.job}`);
    expect(finalFailures).toEqual([
      'q-convert/segment_20260809T21_00002',
      'q-state/segment_20260809T21_00002',
    ]);
    expect(summary.failed_jobs[0]!.reason).toMatch(/segment_20260809T21_00002\.ndjson.*maxErrors=0/);
    expect(summary.failed_jobs[0]!.attempts).toBe(2);
    expect(summary.commits).toEqual({ dates: ['2026-08-09'], incomplete: ['2026-08-09'] });
    const failedDir = path.join(t.root, 'raw', 'failed', 'coinbase');
    expect(readdirSync(failedDir).sort()).toEqual([
      'segment_20260809T21_00002.ndjson',
      'segment_20260809T21_00002.ndjson.error.json',
    ]);
    const report = JSON.parse(
      readFileSync(path.join(failedDir, 'segment_20260809T21_00002.ndjson.error.json'), 'utf8'),
    );
    expect(report).toMatchObject({ segment: 'segment_20260809T21_00002.ndjson', attempts: 2 });
    const day = JSON.parse(
      readFileSync(path.join(t.output, 'coinbase/_dates/2026-08-09/manifest.json'), 'utf8'),
    );
    expect(day.complete).toBe(false);
    expect(day.failed.map((f: { segment: string }) => f.segment)).toEqual(['segment_20260809T21_00002']);
    expect(day.segments.map((s: { inputId: string }) => s.inputId)).toEqual([
      'segment_20260809T21_00001',
      'segment_20260809T21_00003',
    ]);
    expect(existsSync(path.join(t.output, 'coinbase/_dates/2026-08-09/_SUCCESS'))).toBe(false);
    const status = await readQueueStatus({ connection: server.url, queueName: t.queueName });
    expect(status.totals.failed).toBe(2);
    expect(status.failures.map((f) => f.job)).toEqual([
      'segment_20260809T21_00002',
      'segment_20260809T21_00002',
    ]);
  });
});
