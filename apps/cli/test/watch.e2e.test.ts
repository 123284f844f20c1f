/**
 * `etl watch` in a child process, as a user runs it: segments dropped into ready/ while it runs
 * are processed in name order, and SIGINT or SIGTERM stops it cleanly with exit code 0 and the
 * summary of everything it processed.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFrames, duckdb, etl as etlInProcess, glob, SEGMENT } from './helpers.js';
import { spawnEtl, splitFixture } from './workspace.js';

const expected = countFrames(SEGMENT);

function layout() {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-watch-'));
  return {
    root,
    ready: path.join(root, 'raw', 'ready', 'coinbase'),
    staging: path.join(root, 'staging'),
    output: path.join(root, 'processed'),
  };
}

/** `msg` records of the JSON log lines on stderr (other lines, e.g. the signal notice, are text). */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON log lines; the assertions check their shape
function logRecords(stderr: string): Record<string, any>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('etl watch', () => {
  it('processes segments as they appear in ready/, in name order, until SIGINT; exit 0', async () => {
    const dirs = layout();
    mkdirSync(dirs.staging, { recursive: true });
    // The real capture cut into three consecutive segments: book state must flow 1 → 2 → 3.
    const names = splitFixture(dirs.staging, 3);
    const etl = spawnEtl([
      'watch',
      '--input',
      dirs.ready,
      '--output',
      dirs.output,
      '--poll-interval',
      '0.2',
      '--log-format',
      'json',
      '--json',
    ]);
    try {
      expect(await etl.waitFor(/"msg":"watching for segments/)).toBe(true);

      // Two segments appear at once (ready/ itself is renamed into place, so no poll sees only
      // one of them), the later name first in the directory listing's creation order.
      const batch = path.join(dirs.root, 'batch');
      mkdirSync(batch);
      cpSync(path.join(dirs.staging, names[1]!), path.join(batch, names[1]!));
      cpSync(path.join(dirs.staging, names[0]!), path.join(batch, names[0]!));
      mkdirSync(path.dirname(dirs.ready), { recursive: true });
      renameSync(batch, dirs.ready);
      expect(await etl.waitFor(new RegExp(`"msg":"segment processed","segment":"${names[1]}"`))).toBe(true);

      // A third one later, moved in whole as a collector does.
      renameSync(path.join(dirs.staging, names[2]!), path.join(dirs.ready, names[2]!));
      expect(await etl.waitFor(new RegExp(`"msg":"segment processed","segment":"${names[2]}"`))).toBe(true);
    } finally {
      etl.child.kill('SIGINT');
    }
    const exit = await etl.exit;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });

    const processed = logRecords(exit.stderr)
      .filter((r) => r.msg === 'segment processed')
      .map((r) => r.segment);
    expect(processed).toEqual(names);
    expect(exit.stderr).toContain('SIGINT received');
    expect(logRecords(exit.stderr).at(-1)).toMatchObject({
      msg: 'stopped watching',
      processed: 3,
      failed: 0,
    });

    const summary = JSON.parse(exit.stdout);
    expect(summary.segments).toMatchObject({ processed: 3, failed: 0 });
    expect(summary.datasets.level2.rows).toBe(expected.l2Updates);
    expect(readdirSync(dirs.ready)).toEqual([]);

    // Split in three, the capture gives the same rows as whole, and every book after the first
    // snapshot is valid: state was carried across the segment boundaries in order.
    const db = await duckdb();
    const l2 = await db.one(
      `SELECT count(*) AS n, count(*) FILTER (WHERE NOT book_valid) AS invalid FROM read_parquet('${glob(dirs.output, 'level2')}')`,
    );
    expect(Number(l2.n)).toBe(expected.l2Updates);
    expect(Number(l2.invalid)).toBe(0);
  });

  it('stops on SIGTERM while idle with exit 0 and prints its (empty) summary', async () => {
    const dirs = layout();
    const etl = spawnEtl(['watch', '--input', dirs.ready, '--output', dirs.output, '--poll-interval', '0.2']);
    try {
      expect(
        await etl.waitFor(/info {2}watching for segments \(Ctrl-C to stop\) input=\S+ poll_interval_s=0\.2/),
      ).toBe(true);
    } finally {
      etl.child.kill('SIGTERM');
    }
    const exit = await etl.exit;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.stdout).toMatch(/^Segments: 0 processed, 0 failed\nInput: {4}0 lines, 0 B in [\d.]+ s\n/);
    expect(exit.stdout).not.toContain('Interrupted');
    expect(exit.stderr).toMatch(/SIGTERM received/);
    expect(exit.stderr).toMatch(/info {2}stopped watching processed=0 failed=0$/m);
  });

  it('exits 2 on a bad --poll-interval', async () => {
    const dirs = layout();
    const r = await etlInProcess([
      'watch',
      '--input',
      dirs.ready,
      '--output',
      dirs.output,
      '--poll-interval',
      '0',
    ]);
    expect(r).toMatchObject({
      code: 2,
      stderr: 'etl: --poll-interval must be a positive number of seconds\n',
    });
  });
});
