import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatTimestampNs, parseTimestampNs, type Row } from '@etl/core';
import { TradeBarsProcessor } from '@etl/processors-coinbase';
import { ParquetReader } from '@etl/readers-parquet';
import pl from 'nodejs-polars';
import { beforeAll, describe, expect, it } from 'vitest';
import { run as runBasicJob } from '../src/basic-job.js';
import { type DuckDBQueryResult, run as runDuckDB } from '../src/query-duckdb.js';
import { type PolarsQueryResult, run as runPolars } from '../src/query-polars.js';
import { SAMPLE_SEGMENT } from '../src/sample-workspace.js';

/** The latest l2_data message time of the sample, straight from its JSON. */
function lastLevel2Time(): bigint {
  let last = 0n;
  for (const line of readFileSync(SAMPLE_SEGMENT, 'utf8').split('\n')) {
    if (!line) continue;
    const { data } = JSON.parse(line);
    if (data.channel === 'l2_data') {
      const t = parseTimestampNs(data.timestamp);
      if (t > last) last = t;
    }
  }
  return last;
}

/** Bars from the toolkit's own processor over the same trades: a third, independent implementation. */
async function toolkitBars(outputDir: string): Promise<Row[]> {
  const bars = new TradeBarsProcessor({ interval: '1m' });
  const out: Row[] = [];
  for await (const batch of new ParquetReader().read(path.join(outputDir, 'coinbase', 'market_trades'))) {
    out.push(...bars.process(batch));
  }
  return [...out, ...bars.flush()];
}

describe('examples/query-duckdb and examples/query-polars on one run of the basic job', () => {
  let outputDir: string;
  let duck: DuckDBQueryResult;
  let polars: PolarsQueryResult;
  let bars: Row[];
  beforeAll(async () => {
    outputDir = (await runBasicJob()).outputDir;
    duck = await runDuckDB({ outputDir });
    polars = await runPolars({ outputDir });
    bars = await toolkitBars(outputDir);
  });

  it('DuckDB: partition-pruned level2 of BTC-USD that day, with the final book', () => {
    expect(duck.btcDay).toEqual([
      {
        rows: 47_930n,
        snapshot_rows: 18_764n + 27_236n,
        last_update: formatTimestampNs(lastLevel2Time(), 9).slice(0, -1),
        last_mid: 65_083.665,
      },
    ]);
    expect(duck.spread[0]!.min_spread).toBeCloseTo(0.01, 9);
  });

  it('DuckDB: 1-minute bars equal TradeBarsProcessor’s', () => {
    expect(duck.bars.map((b) => [b.bar_start, b.trades, b.open, b.high, b.low, b.close])).toEqual(
      bars.map((b) => [
        new Date(Number((b.bar_start as bigint) / 1_000_000n)).toISOString().replace('.000Z', 'Z'),
        b.trades,
        b.open,
        b.high,
        b.low,
        b.close,
      ]),
    );
    for (const [i, b] of duck.bars.entries()) expect(b.vwap).toBeCloseTo(bars[i]!.vwap as number, 9);
  });

  it('DuckDB: the ASOF LEFT JOIN keeps every trade, finds the book for those after the snapshot, and the sides say maker', () => {
    // All 147 trades; the 101 of the trades snapshot predate the first book and get NULLs (an
    // inner ASOF JOIN would drop them silently).
    expect(duck.tradesAtBook).toHaveLength(147);
    const withBook = duck.tradesAtBook.filter((t) => t.best_bid_price !== null);
    expect(withBook).toHaveLength(46);
    expect(
      duck.tradesAtBook.filter((t) => t.best_bid_price === null && t.best_ask_price === null),
    ).toHaveLength(101);
    expect(
      withBook.every((t) =>
        t.side === 'SELL' ? t.price === t.best_ask_price : t.price === t.best_bid_price,
      ),
    ).toBe(true);
    // processors-coinbase README: the aggressor disagrees with `side` for 140 of the 145 trades it
    // could classify; the 5 that agree come from the tick rule on the trades snapshot (no book yet).
    let agree = 0n;
    let disagree = 0n;
    let unknown = 0n;
    for (const s of duck.sides) {
      const n = s.trades as bigint;
      if (s.aggressor_side === null) unknown += n;
      else if (s.aggressor_side === (s.maker_side as string).toLowerCase()) agree += n;
      else disagree += n;
    }
    expect({ agree, disagree, unknown }).toEqual({ agree: 5n, disagree: 140n, unknown: 2n });
  });

  it('Polars: the same day summary and the same bars (grouped by product)', () => {
    // toRecords() turns Datetime into a JS Date and Int64 into a number (both lose nanoseconds):
    // format the timestamp in Polars to see every digit.
    const day = polars.btcDay
      .select(
        pl.col('rows'),
        pl.col('snapshot_rows'),
        pl.col('last_update').dt.strftime('%Y-%m-%dT%H:%M:%S%.9f').alias('last_update'),
        pl.col('last_mid'),
      )
      .toRecords()[0]!;
    expect(day).toEqual({
      rows: 47_930,
      snapshot_rows: 46_000,
      last_update: formatTimestampNs(lastLevel2Time(), 9).slice(0, -1),
      last_mid: 65_083.665,
    });
    const rows = polars.bars
      .withColumns(pl.col('bar_start').dt.strftime('%Y-%m-%dT%H:%M:%S%.9fZ'))
      .toRecords();
    expect(rows.map((b) => [b.product_id, b.bar_start, b.trades, b.open, b.high, b.low, b.close])).toEqual(
      bars.map((b) => [
        b.product_id,
        formatTimestampNs(b.bar_start as bigint, 9),
        Number(b.trades),
        b.open,
        b.high,
        b.low,
        b.close,
      ]),
    );
    for (const [i, b] of rows.entries()) expect(b.vwap).toBeCloseTo(bars[i]!.vwap as number, 9);
  });
});
