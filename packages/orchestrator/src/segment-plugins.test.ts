/**
 * Plugin output in a segment goes through the same partition-value guard and quarantine as the
 * built-in datasets, and a plugin's state carries from one segment to the next.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  col,
  definePlugin,
  defineSchema,
  type Processor,
  ProcessorRegistry,
  type Row,
  StatsCollector,
} from '@etl/core';
import { describe, expect, it } from 'vitest';
import { CoinbaseSegmentPipeline } from './segment-pipeline.js';

const TS = '2026-08-09T21:06:12.000000Z';

function tradeLine(id: string, seq: number): string {
  const trade = { trade_id: id, product_id: 'BTC-USD', price: '100', size: '1', side: 'BUY', time: TS };
  const data = {
    channel: 'market_trades',
    timestamp: TS,
    sequence_num: seq,
    events: [{ type: 'update', trades: [trade] }],
  };
  return JSON.stringify({ capture_ts: TS, data });
}

/** Copies trades, numbering them across calls; trade `bad` gets a product id no directory can name. */
function echo(): Processor<Row, Row> {
  let n = 0;
  const stats = new StatsCollector('echo');
  return {
    name: 'echo',
    outputSchema: (input) => input,
    process: (batch) =>
      batch.map((t) => ({
        ...t,
        product_id: t.trade_id === 'bad' ? 'BAD\ud800' : t.product_id,
        trade_id: `${t.trade_id}#${++n}`,
      })),
    checkpoint: () => ({ n }),
    restore: (s) => {
      n = (s as { n: number }).n;
    },
    stats: () => stats.snapshot(),
  };
}

/** Counts trades and emits the count only when flushed, at the end of a segment. */
function tally(): Processor<Row, Row> {
  let n = 0;
  const stats = new StatsCollector('tally');
  return {
    name: 'tally',
    outputSchema: () => defineSchema([col.int32('trades', { nullable: false })]),
    process: (batch) => {
      n += batch.length;
      return [];
    },
    flush: () => [{ trades: n }],
    stats: () => stats.snapshot(),
  };
}

const registry = new ProcessorRegistry().register(
  definePlugin({ name: 'echo-plugin', version: '1.0.0', processors: { echo, tally } }),
);

describe('CoinbaseSegmentPipeline with a plugin', () => {
  it('quarantines plugin rows whose partition value cannot name a directory; state crosses segments', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-segment-plugins-'));
    const ready = path.join(root, 'ready');
    mkdirSync(ready);
    const first = path.join(ready, 'segment_20260809T21_00001.ndjson');
    const second = path.join(ready, 'segment_20260809T21_00002.ndjson');
    writeFileSync(first, `${[tradeLine('a', 1), tradeLine('bad', 2), tradeLine('c', 3)].join('\n')}\n`);
    writeFileSync(second, `${tradeLine('d', 4)}\n`);
    const pipeline = new CoinbaseSegmentPipeline({
      outputDir: path.join(root, 'out'),
      registry,
      channelConfig: { market_trades: { processors: [{ use: 'echo', output: 'echoed' }] } },
    });
    const one = await pipeline.processSegment(first);
    expect(one.datasets.echoed?.rows).toBe(2);
    expect(one.datasets.market_trades?.rows).toBe(3);
    expect(one.quarantinedRows).toBe(1);
    const quarantine = readFileSync(
      path.join(pipeline.outRoot, '_quarantine', `${one.inputId}.ndjson`),
      'utf8',
    );
    expect(JSON.parse(quarantine.trim())).toMatchObject({
      stage: 'partition-guard',
      file: path.join(pipeline.outRoot, 'echoed'),
    });
    const two = await pipeline.processSegment(second);
    expect(two.datasets.echoed?.rows).toBe(1);
    // The fourth trade is numbered 4: the count came over in the first segment's checkpoint.
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const ids = (
      await db.runAndReadAll(
        `SELECT trade_id FROM read_parquet('${path.join(pipeline.outRoot, 'echoed', '**', '*.parquet')}') ORDER BY 1`,
      )
    ).getRowObjects();
    expect(ids.map((r) => r.trade_id)).toEqual(['a#1', 'c#3', 'd#4']);
  });

  it('writes what a plugin flushes at the end of a segment when its channel is the one selected', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-segment-flush-'));
    const file = path.join(root, 'segment_20260809T21_00001.ndjson');
    writeFileSync(file, `${[tradeLine('a', 1), tradeLine('b', 2)].join('\n')}\n`);
    const pipeline = new CoinbaseSegmentPipeline({
      outputDir: path.join(root, 'out'),
      registry,
      channelConfig: {
        market_trades: { processors: [{ use: 'tally', output: 'trade_tally', partition_cols: [] }] },
      },
    });
    const result = await pipeline.processSegment(file, { channels: ['market_trades'] });
    expect(result.datasets.trade_tally?.rows).toBe(1);
    expect(result.datasets.market_trades?.rows).toBe(2);
  });
});
