/**
 * `etl run --in-place` (issue 15): converting an archive of captures without moving, deleting or
 * writing anything in it. The input directory is chmod 0555 and, where mounting is possible (as
 * root: here and in CI), also a read-only bind mount, so that even root cannot write there.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etl, SEGMENT } from './helpers.js';
import { aggregateDifferences, datasetAggregates, filesUnder, hiddenFiles, summaryOf } from './workspace.js';

/** Every file under `dir` with its bytes and mtime: what "untouched" means. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of filesUnder(dir)) {
    const file = path.join(dir, f);
    out[f] = `${readFileSync(file).toString('base64')}@${statSync(file).mtimeMs}`;
  }
  return out;
}

let root: string;
let archive: string;
let readOnlyMount: string | undefined;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'etl-e2e-in-place-'));
  const source = path.join(root, 'source');
  mkdirSync(source);
  cpSync(SEGMENT, path.join(source, path.basename(SEGMENT)));
  chmodSync(path.join(source, path.basename(SEGMENT)), 0o444);
  chmodSync(source, 0o555);
  archive = path.join(root, 'archive');
  mkdirSync(archive);
  const bound =
    spawnSync('mount', ['--bind', source, archive]).status === 0 &&
    spawnSync('mount', ['-o', 'remount,bind,ro', archive]).status === 0;
  if (bound) readOnlyMount = archive;
  else {
    console.info('in-place: cannot bind-mount read-only here; the archive is only chmod 0555');
    spawnSync('umount', [archive]);
    archive = source; // chmod 0555 only (root may still write: the snapshot comparison catches it)
  }
});

afterAll(() => {
  if (readOnlyMount) spawnSync('umount', [readOnlyMount]);
});

describe('etl run --in-place', () => {
  it('converts a read-only archive, leaves it byte for byte as it was, and a rerun skips what is committed', async () => {
    const before = snapshot(archive);
    const output = path.join(root, 'out');
    const args = ['run', '--input', archive, '--output', output, '--in-place', '--json'];
    const first = await etl(args);
    expect(first.code, first.stderr).toBe(0);
    expect(summaryOf(first.stdout).segments.processed).toBe(1);
    expect(summaryOf(first.stdout).segments.resumed).toBe(0);
    expect(snapshot(archive)).toEqual(before);
    // Nothing beside the archive either: no processing/, done/ or failed/ next to it.
    expect(readdirSync(root).sort()).toEqual(['archive', 'out', 'source']);
    const converted = await datasetAggregates(output);
    expect(Object.keys(converted).length).toBeGreaterThan(0);
    const parquet = filesUnder(path.join(output, 'coinbase')).filter((f) => f.endsWith('.parquet'));

    const second = await etl(args);
    expect(second.code, second.stderr).toBe(0);
    const again = summaryOf(second.stdout);
    expect(again.segments.resumed).toBe(1);
    expect(second.stderr).toMatch(/already committed/);
    expect(snapshot(archive)).toEqual(before);
    expect(aggregateDifferences(await datasetAggregates(output), converted)).toEqual([]);
    expect(filesUnder(path.join(output, 'coinbase')).filter((f) => f.endsWith('.parquet'))).toEqual(parquet);
    expect(hiddenFiles(output)).toEqual([]);
    // The claims live under the output and are released.
    expect(readdirSync(path.join(output, 'coinbase', '_state', 'claims'))).toEqual([]);
  });

  it('fails a file that changed since its output was committed (report under the output), keeping both', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etl-e2e-in-place-changed-'));
    const file = path.join(dir, 'segment_20260809T21_00001.ndjson');
    const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, `${lines.slice(0, 200).join('\n')}\n`);
    const output = path.join(dir, 'out');
    const args = ['run', '--input', dir, '--output', output, '--in-place', '--json'];
    expect((await etl(args)).code).toBe(0);
    const converted = await datasetAggregates(output);
    appendFileSync(file, `${lines.slice(200, 300).join('\n')}\n`);
    const changed = readFileSync(file);
    const r = await etl(args);
    expect(r.code, r.stderr).toBe(1);
    expect(summaryOf(r.stdout).failures[0]!.error).toMatch(/new input, not a re-run/);
    expect(readFileSync(file).equals(changed)).toBe(true);
    const report = path.join(
      output,
      'coinbase',
      '_state',
      'failed',
      'segment_20260809T21_00001.ndjson.error.json',
    );
    expect(JSON.parse(readFileSync(report, 'utf8')).error).toMatch(/differs from the file of the same name/);
    expect(aggregateDifferences(await datasetAggregates(output), converted)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['out', 'segment_20260809T21_00001.ndjson']);
  });

  it('is refused by watch (exit 2)', async () => {
    const r = await etl(['watch', '--input', archive, '--output', path.join(root, 'w'), '--in-place']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/watch does not support in-place mode/);
    expect(readdirSync(root)).not.toContain('w');
  });
});
