import { formatTimestampNs, type Row } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRoot } from './__fixtures__/crafted.js';
import { openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
import { L2_FIXTURE, level2Schema, readLevel2Rows, SEGMENT_FIXTURE } from './__fixtures__/level2.js';
import { type ParquetCompression, ParquetWriter } from './index.js';

let db: TestEngine;
let dirs: Awaited<ReturnType<typeof tempRoot>>;
let bareRows: Row[];
let segmentRows: Row[];

beforeAll(async () => {
  db = await openDuckDb();
  dirs = await tempRoot();
  bareRows = await readLevel2Rows(L2_FIXTURE);
  segmentRows = await readLevel2Rows(SEGMENT_FIXTURE);
});
afterAll(async () => {
  db.close();
  await dirs.cleanup();
});

async function writeLevel2(rows: Row[], compression: ParquetCompression, rowGroupSize = 16_384) {
  const dir = dirs.next();
  const session = new ParquetWriter({ compression, rowGroupSize }).open({
    path: dir,
    schema: level2Schema,
    partitionCols: ['product_id', 'date'],
    inputId: 'segment_20260809T21_00001',
  });
  // Batches as a reader would hand them over.
  for (let i = 0; i < rows.length; i += 5000) await session.write(rows.slice(i, i + 5000));
  return { dir, result: await session.close() };
}

describe('the real Coinbase level2 capture', () => {
  it('has the full-depth snapshot and the updates', () => {
    expect(bareRows.length).toBe(segmentRows.length);
    expect(bareRows.filter((r) => r.is_snapshot).length).toBe(18_764 + 27_236);
  });

  it('round-trips every row exactly through DuckDB', async () => {
    const { dir, result } = await writeLevel2(segmentRows, 'zstd');
    expect(result.files.map((f) => f.partition)).toEqual([{ product_id: 'BTC-USD', date: '2026-08-09' }]);
    expect(result.rows).toBe(segmentRows.length);
    const got = await db.query(
      `SELECT product_id, event_type, is_snapshot, side, side_normalized, price_level, new_quantity,
              epoch_ns(event_time) AS event_time, epoch_ns(server_timestamp) AS server_timestamp,
              epoch_ns(capture_timestamp) AS capture_timestamp, sequence_num, client_id, channel,
              date::VARCHAR AS date, hour
       FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning=true)`,
    );
    expect(got.length).toBe(segmentRows.length);
    // One file read in order: row i is input row i. Compare every value of every row.
    let mismatches = 0;
    for (let i = 0; i < got.length; i++) {
      const a = got[i]!;
      const b = segmentRows[i]!;
      for (const key of Object.keys(b)) if (a[key] !== b[key]) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(got[0]).toEqual(segmentRows[0]);
  });

  it('keeps the nine-digit exchange timestamp of the snapshot', async () => {
    const { dir } = await writeLevel2(bareRows, 'snappy');
    const got = await db.query(
      `SELECT DISTINCT server_timestamp::VARCHAR AS ts, epoch_ns(server_timestamp) AS ns
       FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}) WHERE is_snapshot`,
    );
    expect(got).toEqual([{ ts: '2026-08-09 21:05:48.483587501', ns: bareRows[0]!.server_timestamp }]);
    expect(formatTimestampNs(bareRows[0]!.server_timestamp as bigint)).toBe('2026-08-09T21:05:48.483587501Z');
    const nulls = await db.query(
      `SELECT count(*) FILTER (capture_timestamp IS NULL) AS no_capture, count(*) FILTER (client_id IS NULL) AS no_client
       FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)})`,
    );
    expect(nulls).toEqual([{ no_capture: BigInt(bareRows.length), no_client: BigInt(bareRows.length) }]);
  });

  it('splits the capture into row groups with statistics DuckDB can prune on', async () => {
    const { dir, result } = await writeLevel2(segmentRows, 'zstd', 10_000);
    const groups = await db.query(
      `SELECT count(DISTINCT row_group_id) AS n, sum(row_group_num_rows) FILTER (path_in_schema = 'price_level') AS rows
       FROM parquet_metadata(${sqlString(result.files[0]!.path)})`,
    );
    expect(groups).toEqual([
      { n: BigInt(Math.ceil(segmentRows.length / 10_000)), rows: BigInt(segmentRows.length) },
    ]);
    const prices = segmentRows.map((r) => r.price_level as number);
    const stats = await db.query(
      `SELECT min(stats_min_value::DOUBLE) AS lo, max(stats_max_value::DOUBLE) AS hi
       FROM parquet_metadata(${sqlString(`${dir}/**/*.parquet`)}) WHERE path_in_schema = 'price_level'`,
    );
    expect(stats).toEqual([{ lo: Math.min(...prices), hi: Math.max(...prices) }]);
  });

  it('is smaller with zstd than with snappy, and both hold the same rows', async () => {
    const zstd = await writeLevel2(segmentRows, 'zstd');
    const snappy = await writeLevel2(segmentRows, 'snappy');
    expect(zstd.result.bytes).toBeLessThan(snappy.result.bytes);
    const sums = async (dir: string) =>
      db.query(
        `SELECT count(*) AS n, sum(sequence_num) AS seq, sum(epoch_ns(event_time)::HUGEINT)::VARCHAR AS t
         FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)})`,
      );
    expect(await sums(zstd.dir)).toEqual(await sums(snappy.dir));
  });
});
