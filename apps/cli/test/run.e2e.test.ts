import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countFrames, duckdb, etl, FIXTURES, glob, readyDir, SEGMENT } from './helpers.js';

const expected = countFrames(SEGMENT);

interface RunSummary {
  segments: { processed: number; failed: number };
  datasets: Record<'level2' | 'market_trades' | 'ticker' | 'candles', { rows: number; files: number }>;
  quarantined_lines: number;
  elapsed_s: number;
}

describe('etl run on the real BTC-USD segment', () => {
  let output: string;
  let ready: string;
  let summary: RunSummary;

  beforeAll(async () => {
    ({ output, ready } = readyDir([SEGMENT]));
    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    summary = JSON.parse(r.stdout);
  });

  it('prints the fixed JSON summary with one row per update, trade and ticker', () => {
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.quarantined_lines).toBe(0);
    expect(typeof summary.elapsed_s).toBe('number');
    expect(summary.datasets.level2.rows).toBe(expected.l2Updates);
    expect(summary.datasets.market_trades.rows).toBe(expected.tradeIds.size);
    expect(summary.datasets.ticker.rows).toBe(expected.tickers);
    expect(summary.datasets.candles.rows).toBe(expected.candles);
    expect(summary.datasets.level2.files).toBe(1);
  });

  it('deletes the input segment by default', () => {
    expect(readdirSync(ready)).toEqual([]);
  });

  it('writes typed columns that DuckDB reads back exactly', async () => {
    const db = await duckdb();
    const types = Object.fromEntries(
      (
        await db.rows(
          `DESCRIBE SELECT * FROM read_parquet('${glob(output, 'level2')}', hive_partitioning=true)`,
        )
      ).map((r) => [r.column_name, r.column_type]),
    );
    expect(types).toMatchObject({
      product_id: 'VARCHAR',
      event_type: 'VARCHAR',
      is_snapshot: 'BOOLEAN',
      side: 'VARCHAR',
      side_normalized: 'VARCHAR',
      price_level: 'DOUBLE',
      new_quantity: 'DOUBLE',
      event_time: 'TIMESTAMP_NS',
      server_timestamp: 'TIMESTAMP_NS',
      capture_timestamp: 'TIMESTAMP_NS',
      sequence_num: 'BIGINT',
      best_bid_price: 'DOUBLE',
      best_ask_price: 'DOUBLE',
      mid_price: 'DOUBLE',
      spread_bps: 'DOUBLE',
      book_valid: 'BOOLEAN',
      date: 'DATE',
    });
    const first = await db.one(
      `SELECT price_level, new_quantity, side, is_snapshot, sequence_num,
              strftime(server_timestamp, '%Y-%m-%dT%H:%M:%S.%n') AS ts, epoch_ns(server_timestamp) AS ns,
              epoch_ns(capture_timestamp) AS cap
       FROM read_parquet('${glob(output, 'level2')}', hive_partitioning=true)
       WHERE is_snapshot AND side = 'bid' ORDER BY price_level DESC LIMIT 1`,
    );
    expect(first).toMatchObject({
      price_level: 65083.66,
      new_quantity: 0.20371215,
      side: 'bid',
      is_snapshot: true,
      sequence_num: 13n,
    });
    expect(first.ns).toBe(1786309548483587501n);
    expect(first.cap).toBe(1786309548848051000n); // capture_ts 2026-08-09T21:05:48.848051+00:00
    const last = await db.one(
      `SELECT best_bid_price, best_ask_price, book_valid FROM read_parquet('${glob(output, 'level2')}', hive_partitioning=true)
       ORDER BY sequence_num DESC, price_level LIMIT 1`,
    );
    expect(last).toEqual({ best_bid_price: 65083.66, best_ask_price: 65083.67, book_valid: true });
  });

  it('keeps every digit of nanosecond timestamps', async () => {
    const db = await duckdb();
    const row = await db.one(
      `SELECT count(*) AS n FROM read_parquet('${glob(output, 'level2')}', hive_partitioning=true)
       WHERE epoch_ns(server_timestamp) % 1000 <> 0`,
    );
    expect(Number(row.n)).toBeGreaterThan(0);
  });

  it('partitions by product and date (ticker by date and hour), never 1970', async () => {
    const db = await duckdb();
    const parts = await db.rows(
      `SELECT DISTINCT product_id, CAST(date AS VARCHAR) AS date FROM read_parquet('${glob(output, 'level2')}', hive_partitioning=true)`,
    );
    expect(parts).toEqual([{ product_id: 'BTC-USD', date: '2026-08-09' }]);
    expect(existsSync(path.join(output, 'coinbase', 'ticker', 'date=2026-08-09', 'hour=21'))).toBe(true);
    const all = readdirSync(path.join(output, 'coinbase'), { recursive: true }).map(String);
    expect(all.some((p) => p.includes('1970'))).toBe(false);
    expect(all.some((p) => p.includes('date=nan'))).toBe(false);
  });

  it('orders trades in time and derives value and side', async () => {
    const db = await duckdb();
    const r = await db.one(
      `SELECT count(*) AS n, count(*) FILTER (WHERE abs(value - price * size) > 1e-9) AS bad_value,
              count(*) FILTER (WHERE side_normalized <> lower(side)) AS bad_side
       FROM read_parquet('${glob(output, 'market_trades')}', hive_partitioning=true)`,
    );
    expect(r).toEqual({ n: BigInt(expected.tradeIds.size), bad_value: 0n, bad_side: 0n });
  });
});

describe('etl run on bare single-channel fixture files', () => {
  it('gives the same data rows as the enveloped segment', async () => {
    const files = ['l2_data', 'market_trades', 'ticker', 'candles'].map((c) =>
      path.join(FIXTURES, `advanced-${c}-BTC-USD.ndjson`),
    );
    const { ready, output } = readyDir(files);
    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.segments.processed).toBe(4);
    expect(s.datasets.level2.rows).toBe(expected.l2Updates);
    expect(s.datasets.market_trades.rows).toBe(expected.tradeIds.size);
    expect(s.datasets.ticker.rows).toBe(expected.tickers);
    expect(s.datasets.candles.rows).toBe(expected.candles);
    const db = await duckdb();
    const nulls = await db.one(
      `SELECT count(*) FILTER (WHERE capture_timestamp IS NOT NULL) AS with_capture FROM read_parquet('${glob(output, 'ticker')}', hive_partitioning=true)`,
    );
    expect(nulls.with_capture).toBe(0n);
  });
});

describe('etl run with bad lines', () => {
  it('keeps every good row, quarantines the bad lines and counts them', async () => {
    const { ready, output } = readyDir([[SEGMENT, 'segment_20260809T21_00002.ndjson']]);
    const file = path.join(ready, 'segment_20260809T21_00002.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const unknown = JSON.stringify({
      capture_ts: '2026-08-09T21:06:00.000000+00:00',
      data: { channel: 'mystery', timestamp: '2026-08-09T21:06:00Z', sequence_num: 5000, events: [] },
      metadata: { source: 'coinbase', channel: 'mystery' },
    });
    lines.splice(10, 0, '{"capture_ts": "2026-08-09T21:05:49', 'not json at all');
    lines.push(unknown);
    writeFileSync(file, `${lines.join('\n')}\n`);
    appendFileSync(file, '{"capture_ts":"2026-08-09T21:06:13.000000+00:00","data":{"channel":"l2_da');
    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.datasets.level2.rows).toBe(expected.l2Updates);
    expect(s.datasets.market_trades.rows).toBe(expected.tradeIds.size);
    expect(s.quarantined_lines).toBe(3);
    const q = readFileSync(
      path.join(output, 'coinbase', '_quarantine', 'segment_20260809T21_00002.ndjson'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(q.map((e) => e.line)).toEqual([11, 12, lines.length + 1]);
    expect(q[2].reason).toMatch(/truncated/);
    expect(q.every((e) => e.file.endsWith('segment_20260809T21_00002.ndjson'))).toBe(true);
  });
});

describe('etl run with a level2 message that lost an entry', () => {
  it('keeps its good rows, and presents the book as invalid from there to the next snapshot', async () => {
    const { ready, output } = readyDir([[SEGMENT, 'segment_20260809T21_00003.ndjson']]);
    const file = path.join(ready, 'segment_20260809T21_00003.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    // Line 11 is the first BTC-USD update after the snapshot (sequence 14): one price goes bad.
    const frame = JSON.parse(lines[10]!);
    expect([frame.data.sequence_num, frame.data.events[0].type]).toEqual([14, 'update']);
    const updates = frame.data.events[0].updates.length;
    frame.data.events[0].updates[1].price_level = 'oops';
    lines[10] = JSON.stringify(frame);
    writeFileSync(file, `${lines.join('\n')}\n`);

    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.datasets.level2.rows).toBe(expected.l2Updates - 1);
    const db = await duckdb();
    const level2 = `read_parquet('${glob(output, 'level2')}', hive_partitioning=true)`;
    const bySeq = await db.rows(
      `SELECT sequence_num, count(*) AS n, bool_or(book_valid) AS any_valid FROM ${level2}
       WHERE sequence_num IN (13, 14, 15, 66) GROUP BY 1 ORDER BY 1`,
    );
    // 13: the snapshot (valid); 14: the damaged message, its good rows kept but not valid;
    // later updates stay invalid, since the fixture has no further snapshot.
    expect(bySeq[0]).toMatchObject({ sequence_num: 13n, any_valid: true });
    expect(bySeq[1]).toMatchObject({ sequence_num: 14n, n: BigInt(updates - 1), any_valid: false });
    expect(bySeq.slice(2).every((row) => row.any_valid === false)).toBe(true);
    const quality = await db.rows(
      `SELECT kind, product_id, sequence_from FROM read_parquet('${glob(output, 'quality')}', hive_partitioning=true)
       WHERE kind = 'invalid_level'`,
    );
    expect(quality).toEqual([{ kind: 'invalid_level', product_id: 'BTC-USD', sequence_from: 14n }]);
    const q = readFileSync(
      path.join(output, 'coinbase', '_quarantine', 'segment_20260809T21_00003.ndjson'),
      'utf8',
    );
    expect(q).toContain('updates[1].price_level is not a non-negative decimal string: \\"oops\\"');
  });
});

describe('etl usage errors', () => {
  it('exits 2 and names the bad config key', async () => {
    const { root, ready, output } = readyDir([]);
    const config = path.join(root, 'bad.json');
    writeFileSync(config, JSON.stringify({ etl: { channels: { level2: { partition_colz: ['date'] } } } }));
    const r = await etl(['run', '--input', ready, '--output', output, '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('etl.channels.level2.partition_colz');
  });

  it('exits 2 on an unknown flag or a missing --input', async () => {
    expect((await etl(['run', '--output', 'x'])).code).toBe(2);
    const r = await etl(['run', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
  });
});
