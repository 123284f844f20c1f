/**
 * `--source coinbase-exchange` on the queue path: a legacy Exchange-feed capture converted by
 * `etl enqueue` + `etl worker` gives exactly the datasets of `etl run --source coinbase-exchange`.
 */
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RedisTestServer, startRedisServer } from '@etl/queue-bullmq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl, FIXTURES } from './helpers.js';

const EXCHANGE = path.join(FIXTURES, 'exchange-session-level2-ticker-matches-2021-04-17.ndjson');
const NAME = 'segment_20210417T16_00001.ndjson';
const DATASETS = ['level2', 'market_trades', 'ticker'] as const;

let redis: RedisTestServer;

function workspace() {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-queue-exchange-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  cpSync(EXCHANGE, path.join(ready, NAME));
  return { ready, output: path.join(root, 'processed') };
}

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

describe('etl worker --source coinbase-exchange', () => {
  it('converts an Exchange-feed capture exactly as etl run --source coinbase-exchange does', async () => {
    const run = workspace();
    const r = await etl([
      'run',
      '--input',
      run.ready,
      '--output',
      run.output,
      '--source',
      'coinbase-exchange',
    ]);
    expect(r.code, r.stderr).toBe(0);

    const queued = workspace();
    const queue = ['--queue', redis.url, '--queue-name', 'exchange'];
    const e = await etl(['enqueue', '--input', queued.ready, ...queue, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const w = await etl([
      'worker',
      ...queue,
      '--output',
      queued.output,
      '--source',
      'coinbase-exchange',
      '--until-empty',
      '--json',
    ]);
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout).segments).toMatchObject({ converted: 1, failed: 0 });

    const db = await duckdb();
    for (const dataset of DATASETS) {
      const d = await datasetDifference(db, run.output, queued.output, dataset);
      expect(d.rows, dataset).toBeGreaterThan(0);
      expect(d).toEqual({ dataset, rows: d.rows, missing: 0, extra: 0 });
    }
  }, 180_000);
});
