import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Row, SourceRecord } from '@etl/core';
import { NDJSONReader } from '@etl/readers-ndjson';
import { beforeAll, describe, expect, it } from 'vitest';
import { CoinbaseSegmentPipeline } from './segment-pipeline.js';
import { CoinbaseStreamPipeline } from './stream-pipeline.js';

const SEGMENT = path.resolve(
  import.meta.dirname,
  '../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson',
);
const DATASETS = ['level2', 'market_trades', 'ticker', 'candles'] as const;

/** The fixture's records in batches of `size`, as a live source would deliver them. */
async function records(): Promise<SourceRecord[]> {
  const all: SourceRecord[] = [];
  for await (const batch of new NDJSONReader({ batchSize: 64 }).read(SEGMENT))
    all.push(...(batch as SourceRecord[]));
  return all;
}

async function* batches(
  list: readonly SourceRecord[],
  size: number,
  failAfter?: number,
): AsyncGenerator<SourceRecord[]> {
  for (let i = 0; i < list.length; i += size) {
    if (failAfter !== undefined && i >= failAfter) throw new Error('simulated crash');
    yield list.slice(i, i + size);
  }
}

const tmp = (name: string) => mkdtempSync(path.join(tmpdir(), `etl-stream-${name}-`));

async function duck() {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  return async (sql: string) =>
    (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
}

const glob = (out: string, dataset: string) => path.join(out, 'coinbase', dataset, '**', '*.parquet');
const scan = (out: string, dataset: string) =>
  `read_parquet('${glob(out, dataset)}', hive_partitioning=true, union_by_name=true)`;

/** Rows of `a` missing from `b` and of `b` missing from `a`, as multisets (duplicates count). */
async function difference(
  q: (sql: string) => Promise<Record<string, unknown>[]>,
  a: string,
  b: string,
  dataset: string,
  where = 'true',
) {
  const left = await q(
    `SELECT count(*) AS n FROM (SELECT * FROM ${scan(a, dataset)} WHERE ${where} EXCEPT ALL SELECT * FROM ${scan(b, dataset)} WHERE ${where})`,
  );
  const right = await q(
    `SELECT count(*) AS n FROM (SELECT * FROM ${scan(b, dataset)} WHERE ${where} EXCEPT ALL SELECT * FROM ${scan(a, dataset)} WHERE ${where})`,
  );
  return [Number(left[0]!.n), Number(right[0]!.n)];
}

describe('CoinbaseStreamPipeline on the real segment', () => {
  let all: SourceRecord[];
  let batchOut: string;
  let q: (sql: string) => Promise<Record<string, unknown>[]>;

  beforeAll(async () => {
    all = await records();
    batchOut = tmp('batch');
    await new CoinbaseSegmentPipeline({ outputDir: batchOut, checkpoints: false }).processSegment(SEGMENT);
    q = await duck();
  });

  it('gives the same datasets as the segment pipeline, in rolling files', async () => {
    const out = tmp('live');
    const features: Row[] = [];
    const commits: number[] = [];
    const pipeline = new CoinbaseStreamPipeline({ outputDir: out, rollRows: 500, rollIntervalMs: 3_600_000 });
    const summary = await pipeline.run(batches(all, 7), {
      onFeatures: (rows) => features.push(...rows),
      onCommit: (c) => void commits.push(c.position),
    });
    expect(summary.records).toBe(all.length);
    expect(summary.position).toBe(all.at(-1)!.line);
    expect(summary.commits).toBeGreaterThan(2);
    expect(commits.at(-1)).toBe(all.at(-1)!.line);
    expect(commits).toEqual([...commits].sort((x, y) => x - y));
    for (const dataset of DATASETS) {
      expect(await difference(q, batchOut, out, dataset), dataset).toEqual([0, 0]);
    }
    expect(await difference(q, batchOut, out, 'quality')).toEqual([0, 0]);
    // Rolling: level2 is spread over several complete files, each readable on its own.
    const files = readdirSync(path.join(out, 'coinbase', 'level2'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.parquet'));
    expect(files.length).toBe(summary.datasets.level2!.files);
    expect(files.length).toBeGreaterThan(2);
    let rows = 0;
    for (const f of files)
      rows += Number(
        (await q(`SELECT count(*) AS n FROM '${path.join(out, 'coinbase', 'level2', f)}'`))[0]!.n,
      );
    expect(rows).toBe(summary.datasets.level2!.rows);
    // One feature per level2 or trades message; the last one shows the final book of the README.
    const last = features.filter((f) => f.event === 'book').at(-1)!;
    expect(last).toMatchObject({
      product_id: 'BTC-USD',
      best_bid_price: 65083.66,
      best_ask_price: 65083.67,
      book_valid: true,
      channel: 'features',
    });
    expect(summary.features).toBe(features.length);
  });

  it('resumes after a crash from the last commit, without loss or duplicates', async () => {
    const out = tmp('crash');
    const first = new CoinbaseStreamPipeline({ outputDir: out, rollRows: 10_000, rollIntervalMs: 3_600_000 });
    const committed: number[] = [];
    await expect(
      first.run(batches(all, 5, 400), { onCommit: (c) => void committed.push(c.position) }),
    ).rejects.toThrow('simulated crash');
    expect(committed.length).toBeGreaterThan(0);
    const at = committed.at(-1)!;
    expect(at).toBeLessThan(400);
    // A state file saved just before a commit that never happened must be ignored.
    const stateDir = path.join(out, 'coinbase', '_state', 'stream', 'etl-stream');
    writeFileSync(
      path.join(stateDir, 'stream-99999999T999999999-000001.json'),
      JSON.stringify({ segment: 'stream-99999999T999999999-000001', state: { position: 399 } }),
    );

    const second = new CoinbaseStreamPipeline({
      outputDir: out,
      rollRows: 10_000,
      rollIntervalMs: 3_600_000,
    });
    expect(await second.resume()).toBe(at);
    expect(readdirSync(stateDir).some((n) => n.startsWith('stream-9999'))).toBe(false);
    const summary = await second.run(
      batches(
        all.filter((r) => r.line > at),
        5,
      ),
    );
    expect(summary.resumedFrom).toBe(at);
    expect(summary.position).toBe(all.at(-1)!.line);
    for (const dataset of DATASETS) {
      expect(await difference(q, batchOut, out, dataset), dataset).toEqual([0, 0]);
    }
    // The restored books continued: the quality dataset says so, and has nothing else new.
    const restored = await q(
      `SELECT kind, sequence_from FROM ${scan(out, 'quality')} WHERE kind = 'checkpoint_restored'`,
    );
    expect(restored).toHaveLength(1);
    expect(await difference(q, batchOut, out, 'quality', "kind <> 'checkpoint_restored'")).toEqual([0, 0]);
    // No temporary file of the crashed run is left.
    const leftovers = readdirSync(path.join(out, 'coinbase'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('quarantines bad records in the roll they arrive in and goes on', async () => {
    const out = tmp('bad');
    const pipeline = new CoinbaseStreamPipeline({ outputDir: out });
    const bad: SourceRecord = {
      file: 'jetstream:TEST',
      line: all.length + 1,
      bytes: 5,
      value: { data: 'not a frame' },
    };
    const summary = await pipeline.run(batches([...all, bad], 50));
    expect(summary.quarantinedLines).toBe(1);
    const [name] = readdirSync(path.join(out, 'coinbase', '_quarantine'));
    const entry = JSON.parse(readFileSync(path.join(out, 'coinbase', '_quarantine', name!), 'utf8').trim());
    expect(entry).toMatchObject({ file: 'jetstream:TEST', line: all.length + 1, stage: 'parser' });
    expect(summary.datasets.level2!.rows).toBeGreaterThan(0);
  });

  it('commits on time even when the source only idles', async () => {
    const out = tmp('idle');
    const pipeline = new CoinbaseStreamPipeline({ outputDir: out, rollIntervalMs: 20 });
    async function* idle(): AsyncGenerator<SourceRecord[]> {
      yield all.slice(0, 20);
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield [];
      }
      yield all.slice(20, 40);
    }
    const commits: number[] = [];
    const summary = await pipeline.run(idle(), { onCommit: (c) => void commits.push(c.position) });
    // The first roll closed during the idle stretch (≥ 50 ms > 20 ms), not with the later records.
    expect(commits).toEqual([20, 40]);
    expect(summary.commits).toBe(2);
  });
});
