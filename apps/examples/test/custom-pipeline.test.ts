import { beforeAll, describe, expect, it } from 'vitest';
import { type CustomPipelineResult, run } from '../src/custom-pipeline.js';
import { duckdb, parquet } from './duckdb.js';

describe('examples/custom-pipeline', () => {
  let r: CustomPipelineResult;
  beforeAll(async () => {
    r = await run();
  });

  it('writes one level2 file with book features and reports every stage', () => {
    expect(r.result.rows).toBe(47_930);
    expect(r.result.files).toBe(1);
    expect(r.stats.reader).toMatchObject({ recordsOut: 546, errors: 0 });
    expect(r.stats.processor.stages?.map((s) => [s.name, s.recordsOut])).toEqual([
      ['RawParser', 47_930],
      ['level2', 47_930],
    ]);
    expect(r.stats.writer.recordsIn).toBe(47_930);
  });

  it('rebuilds a valid book from the snapshot on', async () => {
    const db = await duckdb();
    const s = await db.one(
      `SELECT count(*) FILTER (WHERE NOT book_valid) AS invalid,
              count(*) FILTER (WHERE best_bid_price >= best_ask_price) AS crossed,
              arg_max(microprice, sequence_num) AS last_microprice,
              arg_max(mid_price, sequence_num) AS last_mid
       FROM ${parquet(r.dataset)}`,
    );
    expect(s).toMatchObject({ invalid: 0n, crossed: 0n, last_mid: 65083.665 });
    expect(s.last_microprice as number).toBeGreaterThanOrEqual(65083.66);
    expect(s.last_microprice as number).toBeLessThanOrEqual(65083.67);
  });
});
