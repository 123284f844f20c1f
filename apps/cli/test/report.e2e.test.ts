/**
 * `etl report` as a user runs it over what `etl run` wrote from the real sample segment (plus a
 * segment with bad lines): the summary, `--json` (checked against DuckDB over the same files),
 * `--html`, the selection flags, and the usage errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, glob, readyDir, SEGMENT } from './helpers.js';

let output: string;
let ready: string;
let root: string;

beforeAll(async () => {
  // The sample, and a second segment of the same hour whose two bad lines are quarantined.
  const lines = readFileSync(SEGMENT, 'utf8').split('\n');
  const dirs = readyDir([SEGMENT]);
  ({ output, ready, root } = dirs);
  writeFileSync(
    path.join(ready, 'segment_20260809T21_00002.ndjson'),
    [...lines.slice(0, 20), '{bad json', '{"also": bad}', ...lines.slice(20, 40)].join('\n'),
  );
  const r = await etl(['run', '--input', ready, '--output', output, '--keep-input', '--json']);
  expect(r.code).toBe(0);
}, 120_000);

describe('etl report', () => {
  it('prints an aligned summary without colour codes when stdout is not a terminal', async () => {
    const r = await etl(['report', '--output', output]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toContain('BTC-USD  2026-08-09');
    expect(r.stdout).toMatch(/book {2}valid 100\.00 % of /);
    expect(r.stdout).toMatch(
      /segments 2, lines [\d,]+, quarantined lines 2, quarantined rows 0, failed segments 0/,
    );
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => /^ +dataset +rows/.test(l)) ?? '';
    const level2 = lines.find((l) => /^ +level2 /.test(l)) ?? '';
    const count = /^ +level2 +([\d,]+)/.exec(level2)?.[1] ?? '';
    // Counts are right-aligned under their header.
    expect(count).toMatch(/^\d{1,3}(,\d{3})*$/);
    expect(level2.indexOf(count) + count.length).toBe(header.indexOf('rows') + 'rows'.length);
  });

  it('--json gives the figures, equal to DuckDB over the same files', async () => {
    const r = await etl(['report', '--output', output, '--json', '--date', '2026-08-09']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const db = await duckdb();
    const l2 = await db.one(
      `SELECT count(*) AS n, count(DISTINCT date_trunc('minute', server_timestamp::TIMESTAMP)) AS minutes
       FROM read_parquet('${glob(output, 'level2')}', hive_partitioning = true)`,
    );
    const day = report.days[0];
    const coverage = day.coverage.find((c: { dataset: string }) => c.dataset === 'level2');
    expect([coverage.rows, coverage.minutes_with_data]).toEqual([Number(l2.n), Number(l2.minutes)]);
    const quality = await db.rows(
      `SELECT kind, count(*) AS n FROM read_parquet('${glob(output, 'quality')}', hive_partitioning = true) GROUP BY 1`,
    );
    expect(day.book.event_counts).toEqual(Object.fromEntries(quality.map((q) => [q.kind, Number(q.n)])));
    expect(report.input.totals.quarantined_lines).toBe(2);
    expect(report.input.quarantine_reasons.reduce((s: number, q: { count: number }) => s + q.count, 0)).toBe(
      2,
    );
  });

  it('--html writes one self-contained page', async () => {
    const file = path.join(root, 'report.html');
    const r = await etl(['report', '--output', output, '--html', file, '--product', 'BTC-USD']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`HTML report: ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('id="report-data"');
    expect(html).toContain('uPlot');
    // Nothing is fetched when the page is viewed: no external scripts, styles or images.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('exits 1 with a sentence when the selection has no rows', async () => {
    const r = await etl(['report', '--output', output, '--product', 'DOGE-USD']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no rows');
  });

  it.each([
    [['report'], /needs --output/],
    [['report', '--output', '/nonexistent/x'], /is not a directory/],
    [['report', '--output', 'OUT', '--date', '2026-02-30'], /is not a date/],
    [['report', '--output', 'OUT', '--start-date', '2026-08-09'], /go together/],
    [['report', '--output', 'OUT', '--date', '2026-08-09', '--end-date', '2026-08-09'], /either --date/],
    [['report', '--output', 'OUT', '--start-date', '2026-08-10', '--end-date', '2026-08-09'], /is after/],
    [['report', '--output', 'OUT', '--html', '/nonexistent/dir/r.html'], /directory does not exist/],
    [['report', '--output', 'ROOT'], /--output .* holds no dataset/],
    [['report', '--output', 's3://bucket/processed'], /reads a local output directory/],
    [['report', '--output', 'OUT', '--product', ','], /names no product/],
  ])('exits 2 for %j', async (args, message) => {
    const r = await etl(args.map((a) => (a === 'OUT' ? output : a === 'ROOT' ? root : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('lists failed segments from failed/ beside --input', async () => {
    const failed = path.join(root, 'raw', 'failed', 'coinbase');
    mkdirSync(failed, { recursive: true });
    writeFileSync(
      path.join(failed, 'segment_20260809T22_00003.ndjson.error.json'),
      JSON.stringify({
        segment: 'segment_20260809T22_00003.ndjson',
        failed_at: '2026-08-09T22:10:00Z',
        error: 'disk full',
        code: 'ENOSPC',
      }),
    );
    const r = await etl(['report', '--output', output, '--input', ready, '--json']);
    expect(JSON.parse(r.stdout).input.failed.map((f: { segment: string }) => f.segment)).toEqual([
      'segment_20260809T22_00003.ndjson',
    ]);
    const text = await etl(['report', '--output', output, '--input', ready]);
    expect(text.stdout).toContain('failed segment_20260809T22_00003.ndjson: disk full');
  });
});
