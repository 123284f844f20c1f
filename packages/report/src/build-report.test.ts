/**
 * The report's figures against DuckDB queries written here independently of the report's own SQL
 * (per-message intervals and a correlated sub-query where the report uses runs and an ASOF join),
 * on the real bundled segment and on a generated day with injected gaps and a reconnect.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConfigError } from '@etl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_LINES, GENERATED_DATE } from './__fixtures__/generate-day.js';
import {
  FAILING_SEGMENT,
  type Processed,
  processedGeneratedDay,
  processedSample,
} from './__fixtures__/processed-output.js';
import { buildReport } from './build-report.js';
import type { ProductDayReport, QualityReport } from './report-types.js';

async function sql(query: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(query)).getRowObjects() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** An ISO 8601 string with nine fraction digits, from a TIMESTAMP_NS expression. */
const iso = (t: string): string =>
  `strftime(${t}, '%Y-%m-%dT%H:%M:%S.') || lpad((epoch_ns(${t}) % 1000000000)::VARCHAR, 9, '0') || 'Z'`;

const dataset = (output: string, name: string): string =>
  `read_parquet('${path.join(output, 'coinbase', name, '**', '*.parquet')}', hive_partitioning = true)`;

/** Coverage of one dataset for a product and day, straight from the rows. */
async function expectedCoverage(output: string, name: string, column: string, product: string, date: string) {
  const [r] = await sql(`
    WITH rows AS (SELECT ${column} AS t FROM ${dataset(output, name)} WHERE product_id = '${product}' AND date = DATE '${date}'),
    minutes AS (SELECT DISTINCT date_trunc('minute', t::TIMESTAMP) AS m FROM rows),
    span AS (SELECT unnest(generate_series(min(m), max(m), INTERVAL 1 MINUTE)) AS m FROM minutes)
    SELECT (SELECT count(*) FROM rows) AS n,
           (SELECT count(*) FROM minutes) AS minutes,
           (SELECT count(*) FROM span WHERE m NOT IN (SELECT m FROM minutes)) AS empty,
           (SELECT ${iso('min(t)')} FROM rows) AS first,
           (SELECT ${iso('max(t)')} FROM rows) AS last`);
  return {
    rows: Number(r?.n),
    minutes_with_data: Number(r?.minutes),
    empty_minutes: Number(r?.empty),
    first: r?.first,
    last: r?.last,
  };
}

/**
 * Valid share and invalid spans: every message whose book is invalid is out until the next
 * message; every gap/reconnect/stale checkpoint/invalid level is out from its `time_from` to the
 * product's first valid message after its `time_to`; the union of those, within the day's messages.
 */
async function expectedValidity(output: string, product: string, date: string) {
  const rows = await sql(`
    WITH per_t AS (
      SELECT epoch_ns(server_timestamp) AS t, last(book_valid ORDER BY sequence_num) AS v
      FROM ${dataset(output, 'level2')} WHERE product_id = '${product}' AND date = DATE '${date}' GROUP BY 1),
    nxt AS (SELECT t, v, lead(t) OVER (ORDER BY t) AS nt FROM per_t),
    bounds AS (SELECT min(t) AS lo, max(t) AS hi FROM per_t),
    from_rows AS (SELECT t AS a, coalesce(nt, t) AS b FROM nxt WHERE NOT v),
    from_events AS (
      SELECT epoch_ns(time_from) AS a,
             (SELECT min(t) FROM per_t WHERE v AND t > epoch_ns(q.time_to)) AS b
      FROM ${dataset(output, 'quality')} q
      WHERE kind IN ('gap', 'reconnect', 'checkpoint_stale', 'invalid_level')
        AND (product_id = '${product}' OR product_id IS NULL) AND date = DATE '${date}'),
    iv AS (
      SELECT greatest(a, lo) AS a, least(coalesce(b, hi), hi) AS b
      FROM (SELECT * FROM from_rows UNION ALL SELECT * FROM from_events), bounds),
    ordered AS (
      SELECT a, b, max(b) OVER (ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
      FROM iv WHERE b >= a),
    islands AS (
      SELECT a, b, sum(CASE WHEN prev_end IS NULL OR a > prev_end THEN 1 ELSE 0 END) OVER (ORDER BY a, b) AS grp
      FROM ordered),
    spans AS (SELECT min(a) AS s, max(b) AS e FROM islands GROUP BY grp)
    SELECT (SELECT hi - lo FROM bounds) AS total, (SELECT coalesce(sum(e - s), 0) FROM spans) AS invalid,
           (SELECT count(*) FROM spans) AS spans,
           (SELECT list(${iso('make_timestamp_ns(s)')} ORDER BY s) FROM spans) AS starts`);
  const r = rows[0] as Record<string, unknown>;
  const total = Number(r.total);
  return {
    valid_share: (total - Number(r.invalid)) / total,
    spans: Number(r.spans),
    starts: (r.starts as { items: string[] } | null)?.items ?? [],
  };
}

async function expectedEvents(output: string, product: string, date: string) {
  return sql(`
    SELECT kind, count(*) AS n, list(${iso('time_to')} ORDER BY time_to) AS seen
    FROM ${dataset(output, 'quality')}
    WHERE (product_id = '${product}' OR product_id IS NULL) AND date = DATE '${date}' GROUP BY kind ORDER BY kind`);
}

async function checkDayAgainstDuckDB(output: string, day: ProductDayReport): Promise<void> {
  for (const c of day.coverage) {
    const expected = await expectedCoverage(output, c.dataset, c.time_column, day.product_id, day.date);
    expect({ ...c, dataset: undefined }).toMatchObject(expected);
    expect(c.empty_spans.reduce((s, x) => s + x.seconds / 60, 0)).toBe(expected.empty_minutes);
  }
  const validity = await expectedValidity(output, day.product_id, day.date);
  expect(day.book?.valid_share).toBeCloseTo(validity.valid_share, 12);
  expect(day.book?.invalid_spans.length).toBe(validity.spans);
  expect(day.book?.invalid_spans.map((s) => s.from)).toEqual(validity.starts);
  const events = await expectedEvents(output, day.product_id, day.date);
  expect(day.book?.event_counts).toEqual(Object.fromEntries(events.map((e) => [e.kind, Number(e.n)])));
  for (const e of events) {
    const seen = day.book?.events.filter((x) => x.kind === e.kind).map((x) => x.time_to);
    expect(seen).toEqual((e.seen as { items: string[] }).items);
  }
  const [trades] = await sql(`
    SELECT count(*) AS n, coalesce(sum(size) FILTER (WHERE aggressor_side = 'buy'), 0) AS buy,
           coalesce(sum(size) FILTER (WHERE aggressor_side = 'sell'), 0) AS sell
    FROM ${dataset(output, 'market_trades')} WHERE product_id = '${day.product_id}' AND date = DATE '${day.date}'`);
  expect(day.market.trades.count).toBe(Number(trades?.n));
  expect(day.market.trades.buy_volume).toBeCloseTo(Number(trades?.buy), 6);
  expect(day.market.trades.sell_volume).toBeCloseTo(Number(trades?.sell), 6);
  const [seconds] = await sql(`
    SELECT count(DISTINCT epoch(date_trunc('second', server_timestamp::TIMESTAMP))) AS n,
           arg_max(mid_price, server_timestamp) FILTER (WHERE book_valid) AS last_mid
    FROM ${dataset(output, 'level2')} WHERE product_id = '${day.product_id}' AND date = DATE '${day.date}'`);
  expect(day.market.seconds.t.length).toBe(Number(seconds?.n));
  expect(day.market.mid.last).toBe(seconds?.last_mid);
}

async function expectedQuarantine(output: string) {
  const [r] = await sql(`
    SELECT count(*) AS lines, count(*) FILTER (WHERE stage = 'reader') AS reader, count(*) FILTER (WHERE stage = 'parser') AS parser
    FROM read_json('${path.join(output, 'coinbase', '_quarantine', '*.ndjson')}', format = 'newline_delimited')`);
  const [m] = await sql(`
    SELECT sum(quarantinedLines) AS lines, sum(input.lines) AS input_lines, count(*) AS segments
    FROM read_json('${path.join(output, 'coinbase', '_manifests', '*.json')}')`);
  return { fileLines: Number(r?.lines), reader: Number(r?.reader), parser: Number(r?.parser), manifest: m };
}

describe('on the real bundled segment', () => {
  let processed: Processed;
  let report: QualityReport;
  beforeAll(async () => {
    processed = await processedSample();
    report = await buildReport({ output: processed.output });
  }, 120_000);

  it('has one product-day whose figures equal independent DuckDB queries', async () => {
    expect(report.days.map((d) => [d.product_id, d.date])).toEqual([['BTC-USD', '2026-08-09']]);
    const day = report.days[0] as ProductDayReport;
    expect(day.coverage.map((c) => c.dataset)).toEqual(['candles', 'level2', 'market_trades', 'ticker']);
    await checkDayAgainstDuckDB(processed.output, day);
    // The capture is product-filtered: its sequence jumps are unverified and the book stays valid.
    expect(day.book?.event_counts).toEqual({ sequence_jump_unverified: 299 });
    expect(day.book?.valid_share).toBe(1);
    expect(day.market.trades.count).toBe(147);
  });

  it('gives the same figures when the datasets are partitioned otherwise (date a column, not a directory)', async () => {
    const other = await processedSample({
      level2: { partition_cols: ['product_id'] },
      market_trades: { partition_cols: [] },
    });
    const files = await sql(
      `SELECT file FROM glob('${path.join(other.output, 'coinbase', '**', '*.parquet')}')
       WHERE file LIKE '%/level2/%' OR file LIKE '%/market_trades/%'`,
    );
    expect(files.length).toBe(2);
    for (const f of files) expect(String(f.file)).not.toContain('date=');
    const again = await buildReport({ output: other.output, date: '2026-08-09' });
    expect(again.days).toEqual(report.days);
  });

  it('counts the input from the manifest', async () => {
    const q = await sql(
      `SELECT input.lines AS lines FROM read_json('${path.join(processed.output, 'coinbase', '_manifests', '*.json')}')`,
    );
    expect(report.input.totals).toEqual({
      segments: 1,
      lines: Number(q[0]?.lines),
      quarantined_lines: 0,
      quarantined_rows: 0,
      failed_segments: 0,
    });
  });
});

describe('on a generated day with injected gaps, a reconnect and a stale checkpoint', () => {
  let processed: Processed;
  let report: QualityReport;
  beforeAll(async () => {
    processed = await processedGeneratedDay();
    report = await buildReport({ output: processed.output, date: GENERATED_DATE, inputDir: processed.ready });
  }, 180_000);

  it('gives each product-day figures equal to independent DuckDB queries', async () => {
    expect(report.days.map((d) => d.product_id)).toEqual(['BTC-USD', 'ETH-USD']);
    for (const day of report.days) await checkDayAgainstDuckDB(processed.output, day);
  });

  it('finds the holes that were injected', () => {
    const [btc, eth] = report.days as [ProductDayReport, ProductDayReport];
    for (const day of [btc, eth]) {
      expect(day.book?.event_counts).toMatchObject({ gap: 1, reconnect: 1, checkpoint_stale: 1 });
      const spans = day.book?.invalid_spans ?? [];
      expect(spans.map((s) => s.from.slice(11, 19))).toEqual(['02:59:58', '09:59:58', '11:59:58']);
      expect(spans.map((s) => s.to.slice(11, 19))).toEqual(['03:02:00', '10:30:01', '12:01:00']);
      expect(spans.every((s) => s.recovered)).toBe(true);
      expect(spans[1]?.causes).toEqual(['reconnect']);
      const level2 = day.coverage.find((c) => c.dataset === 'level2');
      expect(level2?.empty_spans).toEqual([
        { from: `${GENERATED_DATE}T10:00:00.000Z`, to: `${GENERATED_DATE}T10:30:00.000Z`, seconds: 1800 },
      ]);
    }
    expect(btc.book?.crossed_book_repairs).toBeGreaterThan(0);
    expect(eth.book?.crossed_book_repairs).toBe(0);
    // ETH-USD stops at 23:00: 30 empty minutes inside the day, 60 more after its last row.
    expect(eth.coverage.find((c) => c.dataset === 'level2')?.minutes_without_data).toBe(90);
  });

  it('counts quarantined lines by reason and the failed segment', async () => {
    const expected = await expectedQuarantine(processed.output);
    expect(expected.fileLines).toBe(BAD_LINES);
    expect(report.input.totals).toMatchObject({
      segments: Number(expected.manifest?.segments),
      lines: Number(expected.manifest?.input_lines),
      quarantined_lines: Number(expected.manifest?.lines),
      failed_segments: 1,
    });
    expect(report.input.totals.quarantined_lines).toBe(BAD_LINES);
    const byStage = (stage: string) =>
      report.input.quarantine_reasons.filter((r) => r.stage === stage).reduce((s, r) => s + r.count, 0);
    expect(byStage('reader')).toBe(expected.reader);
    expect(byStage('parser')).toBe(expected.parser);
    expect(report.input.failed.map((f) => f.segment)).toEqual([FAILING_SEGMENT]);
    expect(report.input.failed[0]?.error).toContain('quarantined');
  });

  it('selects products and dates', async () => {
    const eth = await buildReport({ output: processed.output, products: ['ETH-USD'] });
    expect(eth.days.map((d) => d.product_id)).toEqual(['ETH-USD']);
    expect(eth.days[0]?.book?.valid_share).toBe(report.days[1]?.book?.valid_share);
    const none = await buildReport({
      output: processed.output,
      startDate: '2026-08-11',
      endDate: '2026-08-12',
    });
    expect(none.days).toEqual([]);
    expect(none.input.segments).toEqual([]);
  });

  it('refuses contradictory or malformed options', async () => {
    await expect(buildReport({ output: processed.output, date: '2026-02-30' })).rejects.toThrow(ConfigError);
    await expect(buildReport({ output: processed.output, startDate: '2026-08-10' })).rejects.toThrow(
      /other end of the range/,
    );
    await expect(
      buildReport({ output: processed.output, startDate: '2026-08-11', endDate: '2026-08-10' }),
    ).rejects.toThrow(/after the end date/);
    await expect(buildReport({ output: processed.ready })).rejects.toThrow(/holds no dataset/);
  });
});
