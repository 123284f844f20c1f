import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, FIXTURES, glob, readyDir } from './helpers.js';

/** The parts of the `--json` summary these tests read. */
interface RunSummary {
  segments: { processed: number; failed: number };
  datasets: Record<string, { rows: number; files: number } | undefined>;
  quarantined_lines: number;
}

const EXCHANGE = path.join(FIXTURES, 'exchange-session-level2-ticker-matches-2021-04-17.ndjson');
const RECV = path.join(FIXTURES, 'exchange-session-level2-ticker-matches-2021-04-17.recv.tsv');
const SEGMENT_NAME = 'segment_20210417T16_00001.ndjson';

/** Counts straight from the frames, independent of the parser. */
function countExchange() {
  const c = { snapshotLevels: 0, changes: 0, trades: 0, tickers: 0, products: new Set<string>() };
  for (const line of readFileSync(EXCHANGE, 'utf8').split('\n')) {
    if (!line) continue;
    const m = JSON.parse(line);
    if (m.type === 'snapshot') {
      c.snapshotLevels += m.bids.length + m.asks.length;
      c.products.add(m.product_id);
    }
    if (m.type === 'l2update') c.changes += m.changes.length;
    if (m.type === 'match' || m.type === 'last_match') c.trades++;
    if (m.type === 'ticker') c.tickers++;
  }
  return c;
}

/** The capture as a collector writes it: each frame in an envelope with its receive time. */
function envelopedSegment(): string {
  const recv = readFileSync(RECV, 'utf8').trim().split('\n').slice(1);
  const frames = readFileSync(EXCHANGE, 'utf8').trim().split('\n');
  return `${frames
    .map((frame, i) => {
      const micros = BigInt(Math.round(Number(recv[i]!.split('\t')[1]) * 1e6));
      const iso = new Date(Number(micros / 1000n)).toISOString().slice(0, -1);
      const capture = `${iso}${String(micros % 1000n).padStart(3, '0')}+00:00`;
      const type = JSON.parse(frame).type as string;
      return `{"capture_ts":"${capture}","data":${frame},"metadata":{"source":"coinbase-exchange","channel":"${type}"}}`;
    })
    .join('\n')}\n`;
}

const expected = countExchange();

async function runExchange(content: string | undefined) {
  const { root, ready, output } = readyDir(content === undefined ? [[EXCHANGE, SEGMENT_NAME]] : []);
  if (content !== undefined) writeFileSync(path.join(ready, SEGMENT_NAME), content);
  const config = path.join(root, 'etl.yaml');
  writeFileSync(config, 'etl:\n  source: coinbase-exchange\n');
  const r = await etl(['run', '--input', ready, '--output', output, '--config', config, '--json']);
  return { ...r, output };
}

describe('etl run --config (etl.source: coinbase-exchange) on the 2021 Exchange capture', () => {
  let output: string;
  let summary: RunSummary;

  beforeAll(async () => {
    const r = await runExchange(envelopedSegment());
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    output = r.output;
    summary = JSON.parse(r.stdout);
  });

  it('writes level2 = snapshot levels + changes, trades = matches + last_matches, 107 tickers', () => {
    expect(expected.snapshotLevels + expected.changes).toBe(8362 + 9719);
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.quarantined_lines).toBe(0);
    expect(summary.datasets.level2?.rows).toBe(expected.snapshotLevels + expected.changes);
    expect(summary.datasets.market_trades?.rows).toBe(expected.trades);
    expect(summary.datasets.ticker?.rows).toBe(107);
    expect(summary.datasets.candles).toBeUndefined();
    expect(summary.datasets.level2?.files).toBe(expected.products.size);
  });

  it('rebuilds books that are valid from each product’s snapshot on and never crossed', async () => {
    const db = await duckdb();
    const level2 = `read_parquet('${glob(output, 'level2')}', hive_partitioning=true)`;
    const books = await db.one(
      `SELECT count(DISTINCT product_id) AS products,
              count(*) FILTER (WHERE NOT book_valid) AS invalid,
              count(*) FILTER (WHERE best_bid_price >= best_ask_price) AS crossed,
              count(*) FILTER (WHERE best_bid_price IS NULL OR best_ask_price IS NULL) AS one_sided
       FROM ${level2}`,
    );
    expect(books).toEqual({ products: 10n, invalid: 0n, crossed: 0n, one_sided: 0n });
    const sides = await db.rows(`SELECT DISTINCT side, side_normalized FROM ${level2} ORDER BY side`);
    expect(sides).toEqual([
      { side: 'bid', side_normalized: 'bid' },
      { side: 'offer', side_normalized: 'ask' },
    ]);
    // No gap, crossed book or bad level was reported.
    expect(existsSync(path.join(output, 'coinbase', 'quality'))).toBe(false);
  });

  it('keeps the exchange times to the microsecond and partitions by the 2021 date', async () => {
    const db = await duckdb();
    const first = await db.one(
      `SELECT product_id, side, price_level, new_quantity, epoch_ns(event_time) AS et, sequence_num, CAST(date AS VARCHAR) AS date
       FROM read_parquet('${glob(output, 'level2')}', hive_partitioning=true)
       WHERE NOT is_snapshot ORDER BY event_time, product_id LIMIT 1`,
    );
    // line 35: SKL-USD ["sell","0.7923","7441.5"] at 16:43:37.075351Z, the earliest change
    expect(first).toEqual({
      product_id: 'SKL-USD',
      side: 'offer',
      price_level: 0.7923,
      new_quantity: 7441.5,
      et: 1618677817075351000n,
      sequence_num: null,
      date: '2021-04-17',
    });
    const trades = await db.one(
      `SELECT count(*) FILTER (WHERE event_type = 'snapshot') AS last_matches, count(DISTINCT side) AS sides,
              count(*) FILTER (WHERE aggressor_side IS NOT NULL) AS classified
       FROM read_parquet('${glob(output, 'market_trades')}', hive_partitioning=true)`,
    );
    expect(trades).toMatchObject({ last_matches: 10n, sides: 2n });
    expect(Number(trades.classified)).toBeGreaterThan(100);
    const meta = await db.one(
      `SELECT decode(value) AS source FROM parquet_kv_metadata('${glob(output, 'ticker')}') WHERE decode(key) = 'etl.source' LIMIT 1`,
    );
    expect(meta.source).toBe('coinbase-exchange');
  });
});

describe('etl run on the bare Exchange frames (no envelopes)', () => {
  it('gives the same data rows; untimed snapshots take the first live time', async () => {
    const r = await runExchange(undefined);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.quarantined_lines).toBe(0);
    expect(s.datasets.level2.rows).toBe(18081);
    expect(s.datasets.market_trades.rows).toBe(107);
    expect(s.datasets.ticker.rows).toBe(107);
    const db = await duckdb();
    const invalid = await db.one(
      `SELECT count(*) FILTER (WHERE NOT book_valid) AS n, count(*) FILTER (WHERE capture_timestamp IS NOT NULL) AS captured
       FROM read_parquet('${glob(r.output, 'level2')}')`,
    );
    expect(invalid).toEqual({ n: 0n, captured: 0n });
  });

  it('exits 2 on an unknown etl.source', async () => {
    const { root, ready, output } = readyDir([]);
    const config = path.join(root, 'etl.json');
    writeFileSync(config, JSON.stringify({ etl: { source: 'kraken' } }));
    const r = await etl(['run', '--input', ready, '--output', output, '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('etl.source');
  });
});
