/**
 * The job after crashes at each step of a segment's lifecycle, rebuilt on disk exactly as a killed
 * process leaves them (dead pid, hidden temporaries, committed but unpublished manifest, input left
 * in processing/), and after interruptions and output faults: the next run must give the output of
 * one clean run. The CLI tests kill real processes at random instants; these pin the named steps.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETLJob, type ETLJobOptions } from './job.js';
import { ownerFile } from './segment-claim.js';
import { manifestPath, readManifest, type SegmentManifest } from './segment-commit.js';

const FIXTURE = path.resolve(
  import.meta.dirname,
  '../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson',
);
const NAMES = [
  'segment_20260809T21_00001.ndjson',
  'segment_20260809T21_00002.ndjson',
  'segment_20260809T21_00003.ndjson',
];
const DEAD_PID = 999_999_999;

/** The real session without its 5 MB snapshot frame (keeps these tests fast), as three segments. */
function segmentTexts(): string[] {
  const lines = readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((l) => l && l.length < 1_000_000);
  const size = Math.ceil(lines.length / 3);
  return [0, 1, 2].map((i) => `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`);
}

interface Workspace {
  readonly root: string;
  readonly ready: string;
  readonly processing: string;
  readonly failed: string;
  readonly output: string;
  readonly outRoot: string;
}

function workspace(segments: readonly number[] = [0, 1, 2]): Workspace {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-job-'));
  const ws = {
    root,
    ready: path.join(root, 'raw', 'ready', 'coinbase'),
    processing: path.join(root, 'raw', 'processing', 'coinbase'),
    failed: path.join(root, 'raw', 'failed', 'coinbase'),
    output: path.join(root, 'processed'),
    outRoot: path.join(root, 'processed', 'coinbase'),
  };
  mkdirSync(ws.ready, { recursive: true });
  mkdirSync(ws.processing, { recursive: true });
  const texts = segmentTexts();
  for (const i of segments) writeFileSync(path.join(ws.ready, NAMES[i]!), texts[i]!);
  return ws;
}

const job = (ws: Workspace, extra: Partial<ETLJobOptions> = {}) =>
  new ETLJob({ inputDir: ws.ready, outputDir: ws.output, ...extra });

/** Every file under `dir`, relative, sorted. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const hidden = (rel: string) => rel.split(path.sep).some((p) => p.startsWith('.'));

/**
 * What a reader can see: each visible Parquet file with its row count and an order-independent
 * hash of its rows (DuckDB), each checkpoint and quarantine file with a hash of its bytes.
 */
async function visibleOutput(outRoot: string): Promise<Record<string, string>> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const out: Record<string, string> = {};
  for (const rel of files(outRoot)) {
    if (hidden(rel) || rel.startsWith('_manifests')) continue;
    const full = path.join(outRoot, rel);
    if (rel.endsWith('.parquet')) {
      const sql = `SELECT count(*) AS n, sum(hash(t))::VARCHAR AS h FROM (SELECT * FROM read_parquet('${full.replaceAll("'", "''")}')) t`;
      const [row] = (await db.runAndReadAll(sql)).getRowObjects();
      out[rel] = `${row!.n}:${row!.h}`;
    } else out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
  }
  return out;
}

/** A dead process's claim on `name`, as a kill leaves it. */
function deadClaim(ws: Workspace, name: string): void {
  writeFileSync(ownerFile(ws.processing, name), JSON.stringify({ pid: DEAD_PID, host: hostname() }));
}

/** Undoes the publication of a committed segment: the state right after its commit point. */
async function unpublish(outRoot: string, inputId: string): Promise<SegmentManifest> {
  const manifest = (await readManifest(manifestPath(outRoot, inputId)))!;
  const tempOf = (rel: string) =>
    path.join(path.dirname(rel), `.${path.basename(rel)}.${DEAD_PID}-0123abcd.tmp`);
  const files = manifest.files.map((f) => ({ ...f, temp: tempOf(f.path) }));
  const side = (manifest.side ?? []).map((f) => ({ ...f, temp: tempOf(f.path) }));
  for (const f of [...files, ...side]) renameSync(path.join(outRoot, f.path), path.join(outRoot, f.temp));
  const committed = { ...manifest, published: false, files, side };
  writeFileSync(manifestPath(outRoot, inputId), JSON.stringify(committed));
  return committed;
}

let clean: Record<string, string>;

beforeAll(async () => {
  const ws = workspace();
  const summary = await job(ws).processAll();
  expect(summary.segments).toEqual({ processed: 3, failed: 0, skipped: 0, resumed: 0 });
  clean = await visibleOutput(ws.outRoot);
  expect(Object.keys(clean).filter((k) => k.endsWith('.parquet')).length).toBeGreaterThan(8);
  expect(Object.keys(clean)).toContain('_state/checkpoints/segment_20260809T21_00003.json');
});

describe('ETLJob after a crash', () => {
  it('finishes without converting again a segment committed just before the input was removed', async () => {
    const ws = workspace();
    await job(ws, { deleteAfterProcessing: false }).processAll();
    // Moved back by rename, which keeps the size and mtime the manifest recorded.
    renameSync(path.join(ws.root, 'raw', 'done', 'coinbase', NAMES[2]!), path.join(ws.processing, NAMES[2]!));
    deadClaim(ws, NAMES[2]!);
    const summary = await job(ws).processAll();
    expect(summary.segments).toMatchObject({ processed: 1, resumed: 1, failed: 0 });
    expect(summary.datasets.level2!.rows).toBeGreaterThan(0);
    expect(readdirSync(ws.processing)).toEqual([]);
    expect(await visibleOutput(ws.outRoot)).toEqual(clean);
  });

  it('rolls a commit forward that a crash cut between its manifest and its renames', async () => {
    const ws = workspace([0, 1]);
    await job(ws, { deleteAfterProcessing: false }).processAll();
    await unpublish(ws.outRoot, 'segment_20260809T21_00002');
    renameSync(path.join(ws.root, 'raw', 'done', 'coinbase', NAMES[1]!), path.join(ws.processing, NAMES[1]!));
    deadClaim(ws, NAMES[1]!);
    writeFileSync(path.join(ws.ready, NAMES[2]!), segmentTexts()[2]!);
    expect(files(ws.outRoot).filter((f) => f.includes('_00002') && !hidden(f))).toEqual([
      '_manifests/segment_20260809T21_00002.json',
    ]);
    const summary = await job(ws).processAll();
    expect(summary.segments).toMatchObject({ processed: 2, failed: 0 });
    expect(files(ws.outRoot).filter(hidden)).toEqual([]);
    expect(await visibleOutput(ws.outRoot)).toEqual(clean);
  });

  it('rolls back a segment that crashed before its commit point and converts it again', async () => {
    const ws = workspace([0, 1]);
    await job(ws, { deleteAfterProcessing: false }).processAll();
    await unpublish(ws.outRoot, 'segment_20260809T21_00002');
    rmSync(manifestPath(ws.outRoot, 'segment_20260809T21_00002'));
    renameSync(path.join(ws.root, 'raw', 'done', 'coinbase', NAMES[1]!), path.join(ws.processing, NAMES[1]!));
    deadClaim(ws, NAMES[1]!);
    writeFileSync(path.join(ws.ready, NAMES[2]!), segmentTexts()[2]!);
    const summary = await job(ws).processAll();
    expect(summary.segments).toMatchObject({ processed: 2, resumed: 0 });
    expect(files(ws.outRoot).filter(hidden)).toEqual([]);
    expect(await visibleOutput(ws.outRoot)).toEqual(clean);
  });
});

describe('ETLJob interrupted', () => {
  it('rolls the current segment back to ready/ on the rollback signal; the next run completes', async () => {
    const ws = workspace();
    const rollback = new AbortController();
    const summary = await job(ws, {
      rollbackSignal: rollback.signal,
      onEvent: (e) => {
        if (e.type === 'segment-start' && e.segment === NAMES[1]) rollback.abort();
      },
    }).processAll();
    expect(summary).toMatchObject({ interrupted: true, segments: { processed: 1, failed: 0 } });
    expect(readdirSync(ws.ready).sort()).toEqual([NAMES[1], NAMES[2]]);
    expect(readdirSync(ws.processing)).toEqual([]);
    expect(files(ws.outRoot).filter((f) => f.includes('_00002'))).toEqual([]);
    expect(files(ws.outRoot).filter(hidden)).toEqual([]);
    await job(ws).processAll();
    expect(await visibleOutput(ws.outRoot)).toEqual(clean);
  });

  it('finishes the current segment on the first signal and leaves the rest in ready/', async () => {
    const ws = workspace();
    const drain = new AbortController();
    const summary = await job(ws, {
      signal: drain.signal,
      onEvent: (e) => {
        if (e.type === 'segment-start' && e.segment === NAMES[1]) drain.abort();
      },
    }).processAll();
    expect(summary).toMatchObject({ interrupted: true, segments: { processed: 2 } });
    expect(readdirSync(ws.ready)).toEqual([NAMES[2]]);
  });
});

describe('ETLJob with concurrent runs and faults', () => {
  it('never converts a segment twice when two jobs share ready/, and keeps the sequential result', async () => {
    const ws = workspace();
    const [a, b] = await Promise.all([
      job(ws, { waitPollMs: 20 }).processAll(),
      job(ws, { waitPollMs: 20 }).processAll(),
    ]);
    expect(a.segments.processed + b.segments.processed).toBe(3);
    expect(a.segments.failed + b.segments.failed).toBe(0);
    expect(readdirSync(path.join(ws.outRoot, '_manifests')).sort()).toEqual(
      NAMES.map((n) => n.replace('.ndjson', '.json')),
    );
    expect(await visibleOutput(ws.outRoot)).toEqual(clean);
  });

  it('moves the segment to failed/ when the output cannot be written, stops, and shows nothing partial', async () => {
    const ws = workspace();
    mkdirSync(ws.outRoot, { recursive: true });
    writeFileSync(path.join(ws.outRoot, 'level2'), 'not a directory');
    const summary = await job(ws).processAll();
    expect(summary.segments).toMatchObject({ processed: 0, failed: 1 });
    expect(summary.stopped).toMatch(/writing the output failed/);
    expect(summary.failures[0]!.error).toMatch(/level2/);
    expect(readdirSync(ws.failed).sort()).toEqual([NAMES[0], `${NAMES[0]}.error.json`]);
    const report = JSON.parse(readFileSync(path.join(ws.failed, `${NAMES[0]}.error.json`), 'utf8'));
    expect(report).toMatchObject({ segment: NAMES[0], output_fault: true });
    expect(readdirSync(ws.ready).sort()).toEqual([NAMES[1], NAMES[2]]);
    // Other datasets of the failed segment were written too, but nothing of them is visible.
    expect(files(ws.outRoot)).toEqual(['level2']);
    // Fixed output, segment re-queued: the same result as a clean run.
    rmSync(path.join(ws.outRoot, 'level2'));
    cpSync(path.join(ws.failed, NAMES[0]!), path.join(ws.ready, NAMES[0]!));
    await job(ws).processAll();
    expect(await visibleOutput(ws.outRoot)).toEqual(clean);
  });

  it("refuses to read a collector's active/ directory", () => {
    expect(() => new ETLJob({ inputDir: '/data/raw/active/coinbase', outputDir: '/tmp/x' })).toThrow(
      /active/,
    );
  });
});
