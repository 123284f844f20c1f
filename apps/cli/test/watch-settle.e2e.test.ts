/**
 * `etl watch` never converts a file that is still being written: a segment copied into ready/ in
 * pieces (the last one cutting a line, then a pause longer than the settle interval, then the
 * rest) is converted whole, once.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFrames, duckdb, etl as etlInProcess, glob, SEGMENT } from './helpers.js';
import { sleep, spawnEtl } from './workspace.js';

describe('etl watch --settle', () => {
  it('converts a segment appended to in pieces whole: all rows, nothing quarantined', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-settle-'));
    const ready = path.join(root, 'raw', 'ready', 'coinbase');
    const output = path.join(root, 'processed');
    mkdirSync(ready, { recursive: true });
    const bytes = readFileSync(SEGMENT);
    const lineEnd = (from: number) => bytes.indexOf(0x0a, from) + 1;
    const first = lineEnd(Math.floor(bytes.length / 4));
    const second = lineEnd(Math.floor(bytes.length / 2));
    const cut = lineEnd(Math.floor((bytes.length * 3) / 4)) + 1000; // mid-line
    expect(bytes[cut - 1]).not.toBe(0x0a);

    const etl = spawnEtl([
      'watch',
      '--input',
      ready,
      '--output',
      output,
      '--poll-interval',
      '0.2',
      '--settle',
      '4',
      '--log-format',
      'json',
      '--json',
    ]);
    const target = path.join(ready, path.basename(SEGMENT));
    try {
      expect(await etl.waitFor(/"msg":"watching for segments.*"settle_s":4/)).toBe(true);
      // A copy in progress: pieces ending on line boundaries, quickly one after the other...
      writeFileSync(target, bytes.subarray(0, first));
      await sleep(150);
      appendFileSync(target, bytes.subarray(first, second));
      await sleep(150);
      // ...then one that cuts a line, and a pause longer than the settle interval.
      appendFileSync(target, bytes.subarray(second, cut));
      expect(await etl.waitFor(/"msg":"waiting for a segment whose last line is cut/)).toBe(true);
      await sleep(5000); // longer than --settle: only the cut line holds it back
      expect(readdirSync(ready)).toEqual([path.basename(SEGMENT)]); // still not taken
      appendFileSync(target, bytes.subarray(cut));
      expect(await etl.waitFor(/"msg":"segment processed"/)).toBe(true);
    } finally {
      etl.child.kill('SIGINT');
    }
    const exit = await etl.exit;
    expect(exit.code).toBe(0);
    const summary = JSON.parse(exit.stdout);
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.quarantined_lines).toBe(0);
    expect(summary.lines).toBe(546);
    const expected = countFrames(SEGMENT);
    expect(summary.datasets.level2.rows).toBe(expected.l2Updates);
    const db = await duckdb();
    const trades = await db.one(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${glob(output, 'market_trades')}')`,
    );
    expect(trades.n).toBe(expected.tradeIds.size);
  }, 120_000);

  it('exits 2 on a bad --settle', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-settle-'));
    const r = await etlInProcess(['watch', '--input', root, '--output', root, '--settle', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--settle must be a number ≥ 0 of seconds');
  });
});
