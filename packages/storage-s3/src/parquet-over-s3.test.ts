/**
 * ParquetReader reading a Hive dataset from Swift through S3ObjectStorage: the same rows as from
 * a local copy, only Range GETs (the footer, then column chunks), and a pruned read sends GETs
 * only for the partitions it keeps.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Row } from '@etl/core';
import { ParquetReader } from '@etl/readers-parquet';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ObjectStorage } from './s3-object-storage.js';
import { createBucket } from './testing/swift-client.js';

/** Counts the GETs the reader sends, by key. */
class CountingS3 extends S3ObjectStorage {
  gets: string[] = [];
  override readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    this.gets.push(key);
    return super.readRange(key, start, end);
  }
  override read(key: string): AsyncIterable<Uint8Array> {
    this.gets.push(`whole:${key}`);
    return super.read(key);
  }
}

let local: string;
let storage: () => CountingS3;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(path.join(dir, f)).isFile(),
  );
}

async function readAll(reader: ParquetReader, input: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of reader.read(input)) rows.push(...batch);
  return rows;
}

beforeAll(async () => {
  local = mkdtempSync(path.join(tmpdir(), 'etl-parquet-s3-'));
  mkdirSync(path.join(local, 'coinbase'));
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`
    COPY (
      SELECT ['BTC-USD', 'ETH-USD', 'SOL-USD'][i % 3 + 1] AS product_id,
             DATE '2026-08-08' + ((i // 7) % 4)::INTEGER AS date,
             i::BIGINT AS sequence_num, 65000 + (i % 997) / 100 AS price
      FROM range(30000) t(i)
    ) TO '${path.join(local, 'coinbase', 'level2')}' (FORMAT parquet, PARTITION_BY (product_id, date), ROW_GROUP_SIZE 2000)
  `);
  duck.closeSync();
  const bucket = await createBucket(inject('swift'));
  for (const file of filesUnder(local))
    await bucket.put(`processed/${file}`, readFileSync(path.join(local, file)));
  storage = () => new CountingS3(bucket.bucket, 'processed', { client: bucket.client });
}, 120_000);

afterAll(() => rmSync(local, { recursive: true, force: true }));

describe('ParquetReader over S3 (Swift)', () => {
  it('gives the rows and values of the local copy, by Range GETs only', async () => {
    const s3 = storage();
    const fromS3 = await readAll(new ParquetReader({ storage: s3 }), 'coinbase/level2');
    const fromDisk = await readAll(new ParquetReader(), path.join(local, 'coinbase', 'level2'));
    expect(fromS3.length).toBe(30000);
    expect(fromS3).toEqual(fromDisk);
    expect(s3.gets.filter((g) => g.startsWith('whole:'))).toEqual([]);
  });

  it('a pruned read sends GETs only for the partitions it needs', async () => {
    const s3 = storage();
    const reader = new ParquetReader({
      storage: s3,
      filter: { product_id: 'SOL-USD', date: { gte: '2026-08-10' } },
    });
    const rows = await readAll(reader, 'coinbase/level2');
    expect(rows.length).toBe(
      (await readAll(new ParquetReader(), path.join(local, 'coinbase', 'level2'))).filter(
        (r) => r.product_id === 'SOL-USD' && String(r.date) >= '2026-08-10',
      ).length,
    );
    const partitions = [...new Set(s3.gets.map((k) => path.posix.dirname(k)))].sort();
    expect(partitions).toEqual([
      'coinbase/level2/product_id=SOL-USD/date=2026-08-10',
      'coinbase/level2/product_id=SOL-USD/date=2026-08-11',
    ]);
    expect(reader.stats().counters.files_pruned).toBe(10);
  });
});
