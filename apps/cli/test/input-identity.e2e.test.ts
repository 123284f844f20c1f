/**
 * A segment's input identity (issue 20, items 1, 2 and 7): two files with one segment id never
 * overwrite each other's output, a file under a committed name with other content is a new input
 * (failed and kept, not a silent replacement), the identical file again stays idempotent, a long
 * file name never stops the run, and a file that changes while it is converted is never
 * committed nor deleted.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { etl, SEGMENT } from './helpers.js';
import {
  aggregateDifferences,
  datasetAggregates,
  generatedSegments,
  hiddenFiles,
  runArgs,
  sleep,
  spawnEtl,
  summaryOf,
  workspace,
} from './workspace.js';

const ID = 'segment_20260809T21_00007';
let firstHalf: string;
let secondHalf: string;
/** Datasets of a clean run on the first half alone. */
let firstOnly: Record<string, unknown>;

beforeAll(async () => {
  const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
  const half = Math.ceil(lines.length / 2);
  firstHalf = `${lines.slice(0, half).join('\n')}\n`;
  secondHalf = `${lines.slice(half).join('\n')}\n`;
  const ws = workspace();
  writeFileSync(path.join(ws.ready, `${ID}.ndjson`), firstHalf);
  const r = await etl(runArgs(ws));
  expect(r.code, r.stderr).toBe(0);
  firstOnly = await datasetAggregates(ws.output);
});

const report = (dir: string, name: string) =>
  JSON.parse(readFileSync(path.join(dir, `${name}.error.json`), 'utf8')) as { error: string };

describe('two files, one segment id', () => {
  it('converts the first, fails the later one (kept, with a report) and never merges or replaces', async () => {
    const ws = workspace();
    writeFileSync(path.join(ws.ready, `${ID}.ndjson`), firstHalf);
    const gz = gzipSync(secondHalf);
    writeFileSync(path.join(ws.ready, `${ID}.ndjson.gz`), gz);
    const r = await etl(runArgs(ws));
    expect(r.code, r.stderr).toBe(1);
    const summary = summaryOf(r.stdout);
    expect(summary.segments.processed).toBe(1);
    expect(summary.segments.failed).toBe(1);
    expect(summary.failures[0]!.segment).toBe(`${ID}.ndjson.gz`);
    expect(summary.failures[0]!.error).toMatch(/same segment id as segment_20260809T21_00007\.ndjson/);
    expect(readFileSync(path.join(ws.failed, `${ID}.ndjson.gz`)).equals(gz)).toBe(true);
    expect(report(ws.failed, `${ID}.ndjson.gz`).error).toMatch(/give it a name with another id/);
    expect(readdirSync(ws.ready)).toEqual([]);
    expect(aggregateDifferences(await datasetAggregates(ws.output), firstOnly)).toEqual([]);
    expect(hiddenFiles(ws.output)).toEqual([]);
  });

  it('fails a file under a committed name with other content, and re-runs the identical file idempotently', async () => {
    const ws = workspace();
    const file = path.join(ws.ready, `${ID}.ndjson`);
    writeFileSync(file, firstHalf);
    expect((await etl(runArgs(ws))).code).toBe(0);
    const manifest = JSON.parse(
      readFileSync(path.join(ws.output, 'coinbase', '_manifests', `${ID}.json`), 'utf8'),
    ) as { input: { bytes: number; sha256: string } };
    expect(manifest.input.bytes).toBe(Buffer.byteLength(firstHalf));
    expect(manifest.input.sha256).toMatch(/^[0-9a-f]{64}$/);

    // A collector whose counter restarted: the same name, other data.
    writeFileSync(file, secondHalf);
    const again = await etl(runArgs(ws));
    expect(again.code, again.stderr).toBe(1);
    expect(summaryOf(again.stdout).failures[0]!.error).toMatch(/new input, not a re-run/);
    expect(readFileSync(path.join(ws.failed, `${ID}.ndjson`), 'utf8')).toBe(secondHalf);
    expect(aggregateDifferences(await datasetAggregates(ws.output), firstOnly)).toEqual([]);

    // The same size but other bytes is told apart by the hash, after reading.
    const sameSize = firstHalf.replace('"BTC-USD"', '"BTC-USX"');
    expect(sameSize.length).toBe(firstHalf.length);
    writeFileSync(file, sameSize);
    const forged = await etl(runArgs(ws));
    expect(forged.code, forged.stderr).toBe(1);
    expect(summaryOf(forged.stdout).failures[0]!.error).toMatch(/sha256/);
    expect(aggregateDifferences(await datasetAggregates(ws.output), firstOnly)).toEqual([]);

    // The identical file again (a new mtime): converted again, the same output.
    writeFileSync(file, firstHalf);
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const rerun = await etl(runArgs(ws));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(summaryOf(rerun.stdout).segments.processed).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(aggregateDifferences(await datasetAggregates(ws.output), firstOnly)).toEqual([]);
  });
});

describe('long segment names', () => {
  it('converts a segment with a 255-byte name and the segments after it; a bad one fails with a report', async () => {
    const ws = workspace();
    const pad = (prefix: string, ext: string) =>
      `${prefix}${'x'.repeat(255 - prefix.length - ext.length)}${ext}`;
    const long = pad('segment_20260809T21_00001_', '.ndjson');
    const longBroken = pad('segment_20260809T21_00002_', '.ndjson.gz');
    const after = 'segment_20260809T21_00003.ndjson';
    expect(Buffer.byteLength(long)).toBe(255);
    writeFileSync(path.join(ws.ready, long), firstHalf);
    writeFileSync(path.join(ws.ready, longBroken), 'not gzip at all\n');
    writeFileSync(path.join(ws.ready, after), secondHalf);
    const r = await etl(runArgs(ws));
    expect(r.stderr).not.toMatch(/ENAMETOOLONG/);
    expect(r.code, r.stderr).toBe(1);
    const summary = summaryOf(r.stdout);
    expect(summary.segments.processed).toBe(2);
    expect(summary.failures.map((f) => f.segment)).toEqual([longBroken]);
    expect(readdirSync(ws.ready)).toEqual([]);
    // The failed segment under its own name, its report under a shortened one.
    const failed = readdirSync(ws.failed);
    expect(failed).toContain(longBroken);
    const reportName = failed.find((n) => n.endsWith('.error.json'))!;
    expect(Buffer.byteLength(reportName)).toBeLessThanOrEqual(255);
    expect(JSON.parse(readFileSync(path.join(ws.failed, reportName), 'utf8')).segment).toBe(longBroken);
    // Every name written fits NAME_MAX, and both converted segments are in the output.
    const manifests = readdirSync(path.join(ws.output, 'coinbase', '_manifests'));
    expect(manifests).toHaveLength(2);
    for (const m of manifests) expect(Buffer.byteLength(m)).toBeLessThan(200);
    const level2 = (summary.datasets.level2?.rows ?? 0) > 0;
    expect(level2).toBe(true);
    expect(hiddenFiles(ws.output)).toEqual([]);
  });
});

describe('an input changed while it is converted', () => {
  let template: string;
  let name: string;
  beforeAll(async () => {
    template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-changing-'));
    name = (await generatedSegments(template, 1, 48_000_000))[0]!;
  });

  async function convertWhile(change: (file: string) => void) {
    const ws = workspace(template);
    const run = spawnEtl(runArgs(ws, '--log-level', 'debug'));
    const inProcessing = path.join(ws.processing, name);
    // Change it once the run is reading it: its first temporary output file exists.
    while (hiddenFiles(ws.output).length === 0 && run.child.exitCode === null) await sleep(10);
    change(inProcessing);
    const exit = await run.exit;
    return { ws, exit };
  }

  for (const [what, change] of [
    ['truncated', (f: string) => truncateSync(f, 1_000_000)],
    ['appended to', (f: string) => appendFileSync(f, readFileSync(SEGMENT).subarray(0, 2_000_000))],
  ] as const) {
    it(`fails a segment ${what} during its conversion, keeps it and commits nothing`, async () => {
      const { ws, exit } = await convertWhile(change);
      expect(exit.code, exit.stderr).toBe(1);
      const summary = summaryOf(exit.stdout);
      expect(summary.failures[0]!.error).toMatch(/changed while it was converted/);
      const kept = path.join(ws.failed, name);
      expect(statSync(kept).size).toBe(
        what === 'truncated' ? 1_000_000 : statSync(path.join(template, name)).size + 2_000_000,
      );
      expect(existsSync(path.join(ws.output, 'coinbase', '_manifests'))).toBe(false);
      expect(await datasetAggregates(ws.output)).toEqual({});
      expect(hiddenFiles(ws.output)).toEqual([]);
    }, 300_000);
  }
});
