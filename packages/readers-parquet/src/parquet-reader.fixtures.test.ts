/**
 * The real Coinbase level2 capture (full-depth BTC-USD snapshot plus 399 updates), flattened into
 * level2 rows, written as a Hive dataset the way our writer lays it out, and read back: every
 * value must equal what the JSON said, and what DuckDB reads from the same files.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Row } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDuckDB, duckdbRead, sqlString, tempDir } from './__fixtures__/duckdb-oracle.js';
import { level2Rows, writeLevel2Dataset } from './__fixtures__/level2-fixture.js';
import { ParquetReader } from './parquet-reader.js';

let root: string;
let dir: string;
let expected: Row[];
let written: string[];
let duck: DuckDBConnection;

async function readAll(reader: ParquetReader, input: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of reader.read(input)) for (const r of batch) rows.push(r);
  return rows;
}

beforeAll(async () => {
  root = tempDir('fixtures');
  dir = join(root, 'coinbase', 'level2');
  expected = await level2Rows();
  written = writeLevel2Dataset(dir, expected, 10_000);
  duck = await connectDuckDB();
});

afterAll(() => {
  duck?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('ParquetReader on the real level2 capture', () => {
  it('returns every row of the capture with exact values', async () => {
    const reader = new ParquetReader();
    expect(await reader.files(dir)).toEqual(written);
    const rows = await readAll(reader, dir);
    // 18,764 bids + 27,236 offers in the snapshot, then the updates.
    expect(rows.length).toBe(expected.length);
    expect(rows.filter((r) => r.is_snapshot === true).length).toBe(46_000);
    expect(rows).toEqual(expected);
    const first = rows[0]!;
    expect(first).toMatchObject({
      product_id: 'BTC-USD',
      date: '2026-08-09',
      event_type: 'snapshot',
      side: 'bid',
      price_level: 65083.66,
      new_quantity: 0.20371215,
      event_time: 1786309548170326000n,
      server_timestamp: 1786309548483587501n,
      sequence_num: 13n,
      channel: 'l2_data',
    });
    const stats = reader.stats();
    expect(stats.counters.row_groups).toBe(Math.ceil(expected.length / 10_000));
    expect(stats.recordsOut).toBe(expected.length);
  });

  it('agrees with DuckDB on the same files, nanosecond timestamps included', async () => {
    const rows = await readAll(new ParquetReader(), dir);
    const duckdb = await duckdbRead(duck, sqlString(`${dir}/product_id=*/date=*/*.parquet`));
    expect(duckdb.types[duckdb.names.indexOf('server_timestamp')]).toBe('TIMESTAMP_NS');
    expect(rows).toEqual(duckdb.rows);
  });

  it('reprocesses one product over a date range with a projection', async () => {
    const columns = ['server_timestamp', 'side', 'price_level', 'new_quantity'];
    const reader = new ParquetReader({
      columns,
      filter: { product_id: 'BTC-USD', date: { gte: '2026-08-09', lte: '2026-08-10' } },
      batchSize: 4096,
    });
    let count = 0;
    let offers = 0;
    for await (const batch of reader.read(dir)) {
      expect(batch.length === 4096 || count + batch.length === expected.length).toBe(true);
      for (const row of batch) {
        const source = expected[count++]!;
        expect(row).toEqual({
          server_timestamp: source.server_timestamp,
          side: source.side,
          price_level: source.price_level,
          new_quantity: source.new_quantity,
        });
        if (row.side === 'offer') offers++;
      }
    }
    expect(count).toBe(expected.length);
    expect(offers).toBe(expected.filter((r) => r.side === 'offer').length);
    expect(await new ParquetReader({ filter: { date: { gt: '2026-08-09' } } }).files(dir)).toEqual([]);
  });
});
