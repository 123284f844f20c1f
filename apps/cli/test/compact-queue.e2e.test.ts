/**
 * `etl worker --compact` (issue 18): the commit job of a closed date compacts it; the datasets
 * equal an uncompacted `etl run` of the same segments, one file per partition.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type RedisTestServer, startRedisServer } from '@etl/queue-bullmq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl } from './helpers.js';
import { spawnEtl, splitFixture, workspace } from './workspace.js';

const DATASETS = ['level2', 'market_trades', 'ticker', 'candles', 'quality'];
let redis: RedisTestServer;

beforeAll(async () => {
  redis = await startRedisServer();
}, 120_000);

afterAll(async () => {
  await redis?.stop();
});

function partitionFileCounts(output: string, dataset: string): number[] {
  const counts: number[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && e.name.endsWith('.parquet') && !e.name.startsWith('.'));
    if (files.length) counts.push(files.length);
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(path.join(output, 'coinbase', dataset));
  return counts;
}

describe('etl worker --compact', () => {
  it('compacts a closed date when its commit job runs', async () => {
    const reference = workspace();
    splitFixture(reference.ready, 4);
    expect(
      (await etl(['run', '--input', reference.ready, '--output', reference.output, '--json'])).code,
    ).toBe(0);

    const ws = workspace();
    splitFixture(ws.ready, 4);
    const queueName = `q${randomBytes(4).toString('hex')}`;
    const queued = await etl([
      'enqueue',
      '--input',
      ws.ready,
      '--queue',
      redis.url,
      '--queue-name',
      queueName,
      '--json',
    ]);
    expect(queued.code, queued.stderr).toBe(0);
    const worker = spawnEtl([
      'worker',
      '--queue',
      redis.url,
      '--queue-name',
      queueName,
      '--output',
      ws.output,
      '--until-empty',
      '--compact',
      '--json',
    ]);
    const exit = await worker.exit;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toMatch(/date compacted/);
    const db = await duckdb();
    for (const dataset of DATASETS) {
      expect(
        partitionFileCounts(ws.output, dataset).every((n) => n === 1),
        dataset,
      ).toBe(true);
      expect(await datasetDifference(db, reference.output, ws.output, dataset), dataset).toMatchObject({
        missing: 0,
        extra: 0,
      });
    }
    expect(partitionFileCounts(reference.output, 'level2')).toEqual([4]);
  }, 300_000);
});
