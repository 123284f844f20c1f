/**
 * What `etl run` prints, as a user sees it: the summary table, `--json`, `--quiet`,
 * `--log-format json`, `--log-level`; and the progress bar on a real pseudo-terminal
 * (`script` from util-linux; the ProgressBar unit test covers a fake terminal everywhere).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFrames, etl, readyDir, SEGMENT } from './helpers.js';
import { BIN, nodeArgs, splitFixture } from './workspace.js';

const expected = countFrames(SEGMENT);
const TIME = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';

describe('etl run output', () => {
  it('prints a summary table of rows, files and sizes per dataset, and timestamped log lines', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const r = await etl(['run', '--input', ready, '--output', output]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Segments: 1 processed, 0 failed');
    expect(lines[1]).toMatch(/^Input: {4}546 lines, 5\.2 MiB in \d+\.\d\d s \([\d.]+ [KM]iB\/s\)$/);
    expect(lines[2]).toBe('Quarantined lines: 0');
    expect(lines[4]).toMatch(/^dataset +rows +files +size$/);
    expect(r.stdout).toMatch(
      new RegExp(`^level2 +${expected.l2Updates.toLocaleString('en-US')} +1 +[\\d.]+ KiB$`, 'm'),
    );
    expect(r.stdout).toMatch(/^market_trades +147 +1 +[\d.]+ KiB$/m);
    expect(lines.at(-2)).toBe(`Output:   ${path.join(output, 'coinbase')}`);
    // Logs go to stderr, one plain line each; no progress bar when stderr is not a terminal.
    expect(r.stderr).toMatch(
      new RegExp(
        `^${TIME} info  segment processed segment=segment_20260809T21_00001\\.ndjson quarantined=0$`,
        'm',
      ),
    );
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('--json prints exactly one JSON object with the fixed keys', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      segments: { processed: 1, failed: 0 },
      quarantined_lines: 0,
      datasets: { level2: { rows: expected.l2Updates, files: 1 } },
    });
    expect(typeof s.elapsed_s).toBe('number');
  });

  it('--log-format json writes one JSON object per stderr line', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const r = await etl([
      'run',
      '--input',
      ready,
      '--output',
      output,
      '--log-format',
      'json',
      '--log-level',
      'debug',
    ]);
    expect(r.code).toBe(0);
    const records = r.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(0);
    for (const rec of records) {
      expect(rec.time).toMatch(new RegExp(`^${TIME}$`));
      expect(['debug', 'info', 'warn', 'error']).toContain(rec.level);
      expect(typeof rec.msg).toBe('string');
    }
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'segment processed',
        segment: 'segment_20260809T21_00001.ndjson',
        quarantined: 0,
      }),
    );
    expect(r.stdout).toMatch(/^Segments: 1 processed, 0 failed$/m); // results still on stdout
  });

  it('--quiet prints nothing at all on success', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const r = await etl(['run', '--input', ready, '--output', output, '--quiet']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--log-level warn hides info lines but not the summary', async () => {
    const { ready, output } = readyDir([SEGMENT]);
    const r = await etl(['run', '--input', ready, '--output', output, '--log-level', 'warn']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/ info /);
    expect(r.stdout).toMatch(/^Segments: 1 processed/);
  });

  it('says when there is nothing to process, and refuses an input directory that does not exist', async () => {
    const { ready, output } = readyDir([]);
    const none = await etl(['run', '--input', ready, '--output', output]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(new RegExp(`info  no segments to process input=${ready} mode=all$`, 'm'));
    expect(none.stdout).toContain('No rows written.');
    const missing = await etl(['run', '--input', path.join(ready, 'typo'), '--output', output, '--quiet']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `etl: --input ${path.join(ready, 'typo')} does not exist: it must be a directory of segments (e.g. data/raw/ready/coinbase)\n`,
    );
  });

  it('exits 2 on a bad --log-format or --log-level', async () => {
    const bad = await etl(['run', '--input', 'x', '--output', 'y', '--log-format', 'xml']);
    expect(bad).toMatchObject({ code: 2, stderr: 'etl: --log-format must be text or json\n' });
    expect((await etl(['run', '--input', 'x', '--output', 'y', '--log-level', 'loud'])).code).toBe(2);
  });
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs `etl <args>` under a pseudo-terminal; returns everything the terminal received. */
function underTerminal(args: string[]): { status: number | null; screen: string } {
  const command = [process.execPath, ...nodeArgs(BIN, args)].map(shellQuote).join(' ');
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, screen: r.stdout };
}

describe.skipIf(!hasScript)('etl run on a terminal (pseudo-terminal through script)', () => {
  it('draws a progress bar with segments, bytes, rows/s and ETA, then the summary', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-pty-'));
    const ready = path.join(root, 'raw', 'ready', 'coinbase');
    spawnSync('mkdir', ['-p', ready]);
    splitFixture(ready, 2);
    const { status, screen } = underTerminal([
      'run',
      '--input',
      ready,
      '--output',
      path.join(root, 'processed'),
    ]);
    expect(status).toBe(0);
    const frames = screen.split('\r\x1b[2K').map((f) => f.replace(/\r?\n$/, ''));
    // The first frame knows the plan; the bar fills as segments finish.
    expect(frames).toContainEqual(
      expect.stringMatching(/^░{8,20} 0\/2 segments {2}0 B\/5\.2 MiB {2}0 rows\/s {2}ETA \?/),
    );
    expect(frames).toContainEqual(
      expect.stringMatching(/^█{20} 2\/2 segments {2}5\.2 MiB\/5\.2 MiB {2}[\d,]+ rows\/s {2}ETA 0\.0s$/),
    );
    expect(
      frames.some((f) =>
        /^[█░]{8,20} 1\/2 segments {2}[\d.]+ MiB\/5\.2 MiB {2}[\d,]+ rows\/s {2}ETA [\d.ms]+/.test(f),
      ),
    ).toBe(true);
    // Log lines replace the bar instead of mixing with it, and the summary follows a cleared line.
    expect(screen).toMatch(
      /\r\x1b\[2K\d{4}-\d\d-\d\dT[\d:.]+Z info {2}segment processed segment=segment_20260809T21_00002\.ndjson/,
    );
    expect(frames.at(-1)).toMatch(/^Segments: 2 processed, 0 failed\r?\n/);
    // Bars fit the terminal (80 columns when the pseudo-terminal reports no size).
    for (const f of frames.filter((x) => /^[█░]/.test(x))) expect(f.length, f).toBeLessThanOrEqual(79);
  });

  it('--quiet draws nothing, even on a terminal', () => {
    const { ready, output } = readyDir([SEGMENT]);
    const { status, screen } = underTerminal(['run', '--input', ready, '--output', output, '--quiet']);
    expect(status).toBe(0);
    expect(screen).toBe('');
  });
});
