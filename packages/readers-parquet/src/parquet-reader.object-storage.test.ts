/**
 * ParquetReader over the ObjectStorage seam (here the local implementation, counting every
 * request; the same code reads S3, see @etl/storage-s3's tests): the same rows as a read from
 * disk, byte-range reads only (no object read whole), and a pruned read fetches only the
 * partitions it needs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LocalObjectStorage, type Row } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDuckDB, sqlString, tempDir } from './__fixtures__/duckdb-oracle.js';
import { ParquetReader } from './parquet-reader.js';

/** Records every request: range reads by key, whole-object reads. */
class CountingStorage extends LocalObjectStorage {
  ranges: string[] = [];
  wholeReads: string[] = [];
  override readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    this.ranges.push(key);
    return super.readRange(key, start, end);
  }
  override read(key: string): AsyncIterable<Uint8Array> {
    this.wholeReads.push(key);
    return super.read(key);
  }
}

let root: string;
let duck: DuckDBConnection;

async function readAll(reader: ParquetReader, input: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of reader.read(input)) rows.push(...batch);
  return rows;
}

beforeAll(async () => {
  root = tempDir('object-storage');
  duck = await connectDuckDB();
  mkdirSync(join(root, 'coinbase'), { recursive: true });
  await duck.run(`
    COPY (
      SELECT ['BTC-USD', 'ETH-USD', 'SOL-USD'][i % 3 + 1] AS product_id,
             DATE '2026-08-08' + ((i // 7) % 4)::INTEGER AS date,
             i::BIGINT AS sequence_num,
             65000 + (i % 997) / 100 AS price,
             CASE WHEN i % 2 = 0 THEN 'bid' ELSE 'offer' END AS side
      FROM range(20000) t(i)
    ) TO ${sqlString(join(root, 'coinbase', 'level2'))}
      (FORMAT parquet, PARTITION_BY (product_id, date), ROW_GROUP_SIZE 1000)
  `);
  writeFileSync(join(root, 'coinbase', 'level2', '_SUCCESS'), '');
});

afterAll(() => {
  duck?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('ParquetReader with storage', () => {
  it('reads the same rows as from disk, by byte ranges only', async () => {
    const storage = new CountingStorage(root);
    const fromStorage = await readAll(new ParquetReader({ storage }), 'coinbase/level2');
    const fromDisk = await readAll(new ParquetReader(), join(root, 'coinbase', 'level2'));
    expect(fromStorage.length).toBe(20000);
    expect(fromStorage).toEqual(fromDisk);
    expect(storage.wholeReads).toEqual([]);
    expect(new Set(storage.ranges).size).toBe(12);
  });

  it('fetches only the partitions a filter keeps', async () => {
    const storage = new CountingStorage(root);
    const reader = new ParquetReader({ storage, filter: { product_id: 'ETH-USD', date: '2026-08-09' } });
    const rows = await readAll(reader, 'coinbase/level2');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.product_id === 'ETH-USD' && r.date === '2026-08-09')).toBe(true);
    const fetched = [...new Set(storage.ranges)];
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((k) => k.startsWith('coinbase/level2/product_id=ETH-USD/date=2026-08-09/'))).toBe(
      true,
    );
    expect(reader.stats().counters.files_pruned).toBe(11);
  });

  it('reads only the projected columns', async () => {
    const rows = await readAll(
      new ParquetReader({ storage: new LocalObjectStorage(root), columns: ['price', 'product_id'] }),
      'coinbase/level2',
    );
    expect(rows.length).toBe(20000);
    expect(Object.keys(rows[0]!)).toEqual(['price', 'product_id']);
  });

  it('names a missing dataset with its location', async () => {
    const reader = new ParquetReader({ storage: new LocalObjectStorage(root) });
    await expect(readAll(reader, 'coinbase/nothing')).rejects.toThrow(
      `parquet input not found: ${root}/coinbase/nothing`,
    );
  });
});
