/**
 * Concurrency and signals (issue 6): two `etl run` processes on the same ready/ never convert a
 * segment twice and together give one clean run's datasets; the collector's active/ is never
 * touched; SIGTERM/SIGINT finish or roll back the current segment, and a run after any of them
 * completes to the clean result.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { etl } from './helpers.js';
import {
  aggregateDifferences,
  datasetAggregates,
  generatedSegments,
  hiddenFiles,
  runArgs,
  type Spawned,
  sleep,
  spawnEtl,
  splitFixture,
  summaryOf,
  type Workspace,
  workspace,
} from './workspace.js';

let template: string;
let names: string[];
let clean: Record<string, unknown>;

beforeAll(async () => {
  template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-input-'));
  // Four small segments, then a large one: a signal sent when the small ones are done finds it under way.
  names = [...splitFixture(template, 4), ...(await generatedSegments(template, 1, 16_000_000))].sort();
  const ws = workspace(template);
  const r = await etl(runArgs(ws));
  expect(r.code, r.stderr).toBe(0);
  clean = await datasetAggregates(ws.output);
});

/** Segment names a run logged as converted (or finished). */
const processedBy = (stderr: string): string[] =>
  [...stderr.matchAll(/segment (?:processed|finished)[^\n]*segment=(\S+)/g)].map((m) => m[1]!);

async function completeAndCompare(ws: Workspace): Promise<void> {
  const r = await etl(runArgs(ws));
  expect(r.code, r.stderr).toBe(0);
  expect(readdirSync(ws.ready)).toEqual([]);
  expect(readdirSync(ws.processing)).toEqual([]);
  expect(hiddenFiles(ws.output)).toEqual([]);
  expect(aggregateDifferences(await datasetAggregates(ws.output), clean)).toEqual([]);
}

/** State after a run stopped by a signal: nothing half-done anywhere. */
function expectStoppedCleanly(ws: Workspace): void {
  expect(readdirSync(ws.processing).filter((n) => !n.startsWith('.'))).toEqual([]);
  expect(hiddenFiles(ws.output)).toEqual([]);
}

describe('two etl run processes on the same ready/', () => {
  it('convert each segment exactly once, together giving the clean result, and leave active/ alone', async () => {
    const ws = workspace(template);
    const active = path.join(ws.raw, 'active', 'coinbase');
    mkdirSync(active, { recursive: true });
    const writing = path.join(active, 'segment_20260809T23_00009.ndjson');
    writeFileSync(writing, '{"capture_ts":"2026-08-09T23:59:59.000000+00:00","data":{"channel":"l2_da');
    const before = statSync(writing);
    const [a, b] = await Promise.all([spawnEtl(runArgs(ws)).exit, spawnEtl(runArgs(ws)).exit]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [sa, sb] = [summaryOf(a.stdout), summaryOf(b.stdout)];
    expect(sa.segments.processed + sb.segments.processed).toBe(names.length);
    console.info(
      `concurrency: one run converted ${processedBy(a.stderr).join(', ') || 'nothing'}; the other ${processedBy(b.stderr).join(', ') || 'nothing'} (skipped ${sa.segments.skipped}/${sb.segments.skipped})`,
    );
    const converted = [...processedBy(a.stderr), ...processedBy(b.stderr)].sort();
    expect(converted).toEqual(names);
    expect(readdirSync(path.join(ws.output, 'coinbase', '_manifests'))).toHaveLength(names.length);
    expect(aggregateDifferences(await datasetAggregates(ws.output), clean)).toEqual([]);
    expect(readdirSync(ws.processing)).toEqual([]);
    const after = statSync(writing);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(readdirSync(active)).toEqual(['segment_20260809T23_00009.ndjson']);
  });
});

describe('etl run stopped by signals', () => {
  /**
   * Starts a run and waits until the last small segment is done: the next one, a generated 16 MB
   * segment, is then under way for a good while (seconds).
   */
  async function started(ws: Workspace): Promise<Spawned> {
    const run = spawnEtl(runArgs(ws));
    expect(await run.waitFor(/segment processed segment=segment_20260809T21_00004/)).toBe(true);
    return run;
  }

  const sameBytes = (a: string, b: string) => Buffer.compare(readFileSync(a), readFileSync(b)) === 0;

  it('SIGTERM: finishes the current segment, stops, exits 143', async () => {
    const ws = workspace(template);
    const run = await started(ws);
    run.child.kill('SIGTERM');
    const exit = await run.exit;
    expect(exit.code, exit.stderr).toBe(143);
    const summary = summaryOf(exit.stdout);
    expect(summary).toMatchObject({ interrupted: true, segments: { failed: 0 } });
    expect(summary.segments.processed).toBeGreaterThanOrEqual(4);
    expect(readdirSync(ws.ready)).toHaveLength(names.length - summary.segments.processed);
    expectStoppedCleanly(ws);
    await completeAndCompare(ws);
  });

  it('SIGINT twice: rolls the current segment back to ready/, exits 130', async () => {
    const ws = workspace(template);
    const run = await started(ws);
    await sleep(200); // into the 16 MB segment, which takes seconds
    run.child.kill('SIGINT');
    await run.waitFor(/finishing the current segment/);
    run.child.kill('SIGINT');
    const exit = await run.exit;
    expect(exit.code, exit.stderr).toBe(130);
    const summary = summaryOf(exit.stdout);
    expect(summary.interrupted).toBe(true);
    // Rolled back mid-segment, or put back untouched if the signal came before it started.
    const midSegment = /segment rolled back: interrupted segment=segment_20260809T23_00001/.test(exit.stderr);
    console.info(
      `signals: the second SIGINT ${midSegment ? 'rolled back a segment under way' : 'came before the next segment started'}`,
    );
    expect(summary.segments.processed).toBe(4);
    // The rolled-back segment is back in ready/, untouched.
    expect(readdirSync(ws.ready).sort()).toEqual(names.slice(4));
    for (const name of readdirSync(ws.ready))
      expect(sameBytes(path.join(ws.ready, name), path.join(template, name))).toBe(true);
    expectStoppedCleanly(ws);
    await completeAndCompare(ws);
  });

  it('a third signal exits at once; the next run recovers', async () => {
    const ws = workspace(template);
    const run = await started(ws);
    for (let i = 0; i < 3; i++) run.child.kill('SIGTERM');
    const exit = await run.exit;
    expect(exit.code).toBe(143);
    await completeAndCompare(ws);
  });
});
