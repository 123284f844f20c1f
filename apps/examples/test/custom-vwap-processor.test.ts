import type { Row } from '@etl/core';
import { testProcessor } from '@etl/core/testing/vitest';
import { ParquetReader } from '@etl/readers-parquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CustomVwapResult, run, VWAPProcessor } from '../src/custom-vwap-processor.js';
import { duckdb, parquet } from './duckdb.js';

async function readAll(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of new ParquetReader().read(dir)) rows.push(...batch);
  return rows;
}

describe('examples/custom-vwap-processor', () => {
  let r: CustomVwapResult;
  beforeAll(async () => {
    r = await run();
  });

  it('writes 5-minute VWAP windows per product equal to DuckDB’s aggregate of the trades', async () => {
    const db = await duckdb();
    const expected = await db.rows(
      `SELECT product_id, epoch_ns(time) // 300000000000 * 300000000000 AS window_start,
              sum(price * size) / sum(size) AS vwap, sum(size) AS volume, min(price) AS low, max(price) AS high,
              count(*) AS trades
       FROM ${parquet(r.tradesDir)} GROUP BY ALL ORDER BY ALL`,
    );
    const vwap = await readAll(r.vwapDir);
    expect(vwap.map((w) => [w.product_id, w.window_start, w.trades])).toEqual(
      expected.map((e) => [e.product_id, e.window_start, e.trades]),
    );
    expect(vwap.reduce((n, w) => n + Number(w.trades), 0)).toBe(147);
    vwap.forEach((w, i) => {
      const e = expected[i]!;
      expect(w.vwap).toBeCloseTo(e.vwap as number, 8);
      expect(w.volume).toBeCloseTo(e.volume as number, 12);
      expect([w.low, w.high]).toEqual([e.low, e.high]);
      expect(w.date).toBe('2026-08-09');
    });
  });

  it('agrees with the toolkit’s TradeBarsProcessor on the same input', async () => {
    const vwap = await readAll(r.vwapDir);
    const bars = await readAll(r.barsDir);
    expect(bars.map((b) => [b.bar_start, b.trades, b.open, b.close, b.high, b.low])).toEqual(
      vwap.map((w) => [w.window_start, w.trades, w.open, w.close, w.high, w.low]),
    );
    for (const [i, b] of bars.entries()) expect(b.vwap).toBeCloseTo(vwap[i]!.vwap as number, 9);
    expect(r.bars.rows).toBe(r.vwap.rows);
  });
});

const trade = (time: string, price: number, size: number): Row => ({
  product_id: 'BTC-USD',
  price,
  size,
  time: BigInt(Date.parse(time)) * 1_000_000n,
});

testProcessor('VWAPProcessor (the example custom processor)', {
  create: () => new VWAPProcessor({ windowMinutes: 5 }),
  batches: [
    [trade('2026-08-09T21:04:35Z', 100, 1), trade('2026-08-09T21:05:10Z', 102, 2)],
    [trade('2026-08-09T21:09:59Z', 101, 1), trade('2026-08-09T21:10:00Z', 99, 3)],
  ],
});
