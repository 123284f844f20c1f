/**
 * A segment is deleted only when its rows are in the output: `etl run` as a user runs it on
 * inputs that used to be deleted with nothing (or part) of them converted. Each case checks the
 * exit code, the message and the input, byte for byte, where it was kept.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ETLJob } from '@etl/orchestrator';
import { describe, expect, it } from 'vitest';
import { countFrames, duckdb, etl, FIXTURES, glob, readyDir, SEGMENT } from './helpers.js';

const EXCHANGE = path.join(FIXTURES, 'exchange-session-level2-ticker-matches-2021-04-17.ndjson');
const stage = (ready: string, name: string) =>
  ready.replace(`${path.sep}ready${path.sep}`, `${path.sep}${name}${path.sep}`);

function errorReport(ready: string, segment: string): { error: string; code: string } {
  return JSON.parse(readFileSync(path.join(stage(ready, 'failed'), `${segment}.error.json`), 'utf8'));
}

function parquetFiles(output: string): string[] {
  const root = path.join(output, 'coinbase');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
}

describe('etl run keeps an input whose rows are not in the output', () => {
  it('fails an Exchange-feed capture run without --source, keeps it in failed/ and names the flag', async () => {
    const name = 'segment_20210417T00_00001.ndjson';
    const { ready, output } = readyDir([[EXCHANGE, name]]);
    const r = await etl(['run', '--input', ready, '--output', output, '--json', '--quiet']);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.segments).toMatchObject({ processed: 0, failed: 1 });
    expect(summary.failures[0].error).toContain('--source coinbase-exchange');
    expect(summary.failures[0].error).toContain('legacy Coinbase Exchange feed');
    expect(summary.failures[0].error).toContain('etl.source');
    const report = errorReport(ready, name);
    expect(report.code).toBe('E_SEGMENT_UNUSABLE');
    expect(report.error).toContain('--source coinbase-exchange');
    expect(report.error).toContain(path.join(ready, name)); // the path the user gave
    expect(readFileSync(path.join(stage(ready, 'failed'), name)).equals(readFileSync(EXCHANGE))).toBe(true);
    expect(parquetFiles(output)).toEqual([]);

    // Moved back and run as the message says, it converts.
    const again = readyDir([[EXCHANGE, name]]);
    const ok = await etl([
      'run',
      '--input',
      again.ready,
      '--output',
      again.output,
      '--source',
      'coinbase-exchange',
      '--json',
      '--quiet',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).datasets.level2.rows).toBeGreaterThan(0);
  });

  it('--in-place: fails an Exchange-feed capture the same way, the file untouched where it lies', async () => {
    const name = 'segment_20210417T00_00001.ndjson';
    const { ready, output } = readyDir([[EXCHANGE, name]]);
    const r = await etl(['run', '--input', ready, '--output', output, '--in-place', '--json', '--quiet']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failures[0].error).toContain('--source coinbase-exchange');
    expect(readdirSync(ready)).toEqual([name]);
    expect(readFileSync(path.join(ready, name)).equals(readFileSync(EXCHANGE))).toBe(true);
    const report = path.join(output, 'coinbase', '_state', 'failed', `${name}.error.json`);
    expect(JSON.parse(readFileSync(report, 'utf8')).code).toBe('E_SEGMENT_UNUSABLE');
    expect(parquetFiles(output)).toEqual([]);
  });

  it('fails a segment of nothing but garbage lines and keeps it in failed/', async () => {
    const name = 'segment_20260809T21_00001.ndjson';
    const { root, ready, output } = readyDir([]);
    const garbage = path.join(root, 'garbage.ndjson');
    writeFileSync(garbage, 'not json\n{"half":\n\u0000\u0001binary\n[1,2,3]\n');
    writeFileSync(path.join(ready, name), readFileSync(garbage));
    const run = await etl(['run', '--input', ready, '--output', output, '--json', '--quiet']);
    expect(run.code).toBe(1);
    const error = JSON.parse(run.stdout).failures[0].error as string;
    expect(error).toContain('all 4 lines were quarantined, nothing was converted');
    expect(errorReport(ready, name).error).toBe(error);
    expect(readFileSync(path.join(stage(ready, 'failed'), name)).equals(readFileSync(garbage))).toBe(true);
    expect(parquetFiles(output)).toEqual([]);
  });

  it('keeps the sample in done/ under --channels level2 and says which lines were not converted', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const name = path.basename(SEGMENT);
    const r = await etl([
      'run',
      '--input',
      ready,
      '--output',
      output,
      '--channels',
      'level2',
      '--json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.skipped_lines).toEqual({ market_trades: 40, ticker: 73, candles: 3 });
    expect(summary.kept_inputs).toEqual([
      expect.objectContaining({ segment: name, path: path.join(stage(ready, 'done'), name) }),
    ]);
    expect(summary.kept_inputs[0].reason).toContain('kept in done/');
    expect(readFileSync(path.join(stage(ready, 'done'), name)).equals(readFileSync(SEGMENT))).toBe(true);
    const db = await duckdb();
    const { n } = await db.one(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${glob(output, 'level2')}')`,
    );
    expect(n).toBe(countFrames(SEGMENT).l2Updates);

    const text = await etl(['run', '--input', ready, '--output', output, '--channels', 'level2']);
    expect(text.code).toBe(0); // nothing left in ready/
    const again = readyDir([SEGMENT]);
    const shown = await etl([
      'run',
      '--input',
      again.ready,
      '--output',
      again.output,
      '--channels',
      'level2',
    ]);
    expect(shown.stdout).toContain('Not converted (dataset not written): market_trades 40 lines');
    expect(shown.stdout).toContain(`KEPT ${name} in ${path.join(stage(again.ready, 'done'), name)}`);
  });

  it('deletes the sample after a full run, as before', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const r = await etl(['run', '--input', ready, '--output', output, '--json', '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).kept_inputs).toEqual([]);
    expect(readdirSync(ready)).toEqual([]);
    expect(existsSync(stage(ready, 'done'))).toBe(false);
  });

  it('quarantines bad lines over 4 KiB whole and exactly as they were, named by their ready/ path', async () => {
    const name = 'segment_20260809T21_00001.ndjson';
    const { root, ready, output } = readyDir([]);
    const lines = readFileSync(SEGMENT, 'utf8').split('\n');
    // A 40 KB line cut in the middle of a frame (invalid JSON), with non-ASCII bytes in it.
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a));
    const bad = `${longest.slice(0, 40_000)}€ü`;
    expect(Buffer.byteLength(bad)).toBeGreaterThan(4096 * 9);
    // Valid JSON the parser rejects (no channel), spaced as no serializer would write it.
    const unusable = longest.replace('"channel":"l2_data"', '"channel" :  ""');
    expect(unusable).not.toBe(longest);
    lines.splice(10, 0, bad);
    lines.splice(20, 0, unusable);
    const input = path.join(root, name);
    writeFileSync(input, lines.join('\n'));
    writeFileSync(path.join(ready, name), readFileSync(input));
    const r = await etl(['run', '--input', ready, '--output', output, '--json', '--quiet', '--keep-input']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).quarantined_lines).toBe(2);
    const quarantine = path.join(output, 'coinbase', '_quarantine');
    const [file] = readdirSync(quarantine);
    const entries = readFileSync(path.join(quarantine, file!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ file: path.join(ready, name), line: 11, stage: 'reader' });
    expect(Buffer.from(entries[0].raw, 'utf8').equals(Buffer.from(bad, 'utf8'))).toBe(true);
    expect(entries[1]).toMatchObject({ file: path.join(ready, name), line: 21, stage: 'parser' });
    expect(entries[1].reason).toContain('channel');
    expect(Buffer.from(entries[1].raw, 'utf8').equals(Buffer.from(unusable, 'utf8'))).toBe(true);
  });
});

describe('the quarantine cap (ETLJob quarantineLimitBytes)', () => {
  it('fails the segment rather than cut its quarantine, and keeps the input intact in failed/', async () => {
    const name = 'segment_20260809T21_00001.ndjson';
    const { root, ready, output } = readyDir([]);
    const lines = readFileSync(SEGMENT, 'utf8').split('\n');
    // Twenty bad lines of ~2 KB among the good ones: ~40 KB of quarantine against a 16 KiB cap.
    for (let i = 0; i < 20; i++) lines.splice(20 + i * 3, 0, `{"bad": "${'x'.repeat(2000)}`);
    const input = path.join(root, name);
    writeFileSync(input, lines.join('\n'));
    writeFileSync(path.join(ready, name), readFileSync(input));
    const job = new ETLJob({ inputDir: ready, outputDir: output, quarantineLimitBytes: 16 * 1024 });
    const summary = await job.processAll();
    expect(summary.segments).toMatchObject({ processed: 0, failed: 1 });
    expect(summary.failures[0]!.error).toContain('would exceed 16384 bytes');
    expect(errorReport(ready, name).code).toBe('E_QUARANTINE_FULL');
    expect(readFileSync(path.join(stage(ready, 'failed'), name)).equals(readFileSync(input))).toBe(true);
    expect(parquetFiles(output)).toEqual([]);
    const quarantine = path.join(output, 'coinbase', '_quarantine');
    expect(existsSync(quarantine) ? readdirSync(quarantine) : []).toEqual([]);

    // Under the default cap the same segment converts, its bad lines quarantined whole.
    const again = readyDir([[input, name]]);
    const ok = await new ETLJob({ inputDir: again.ready, outputDir: again.output }).processAll();
    expect(ok.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(ok.quarantined_lines).toBe(20);
  });
});
