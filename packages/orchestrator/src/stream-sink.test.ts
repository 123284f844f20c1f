/**
 * The live stream writes through the same DatasetSink as a segment: a row whose partition value
 * cannot name a directory goes to the roll's quarantine instead of the dataset, and plugin
 * processors chain and keep their state across a restart (in the roll's checkpoint).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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
  type SourceRecord,
  StatsCollector,
} from '@etl/core';
import { describe, expect, it } from 'vitest';
import { CoinbaseStreamPipeline } from './stream-pipeline.js';

const TS = '2026-08-09T21:06:12.000000Z';

/** One market_trades frame per trade, as the live bus delivers them. */
function frames(
  trades: readonly { id: string; product: string; price: number }[],
  first = 1,
): SourceRecord[] {
  return trades.map((t, i) => ({
    file: 'nats:test',
    line: first + i,
    bytes: 100,
    value: {
      capture_ts: TS,
      data: {
        channel: 'market_trades',
        timestamp: TS,
        sequence_num: first + i,
        events: [
          {
            type: 'update',
            trades: [
              {
                trade_id: t.id,
                product_id: t.product,
                price: String(t.price),
                size: '1',
                side: 'BUY',
                time: TS,
              },
            ],
          },
        ],
      },
    },
  }));
}

async function* once(records: readonly SourceRecord[]): AsyncGenerator<SourceRecord[]> {
  for (const r of records) yield [r];
}

/** Running count of trades seen (stateful, no flush) and a second stage that doubles it. */
class Counter implements Processor<Row, Row> {
  readonly name = 'counter';
  private seen = 0;
  private readonly s = new StatsCollector('counter');
  outputSchema() {
    return defineSchema([
      col.string('trade_id', { nullable: false }),
      col.int32('seen', { nullable: false }),
    ]);
  }
  process(batch: readonly Row[]): Row[] {
    return batch.map((t) => ({ trade_id: t.trade_id, seen: ++this.seen }));
  }
  checkpoint() {
    return { seen: this.seen };
  }
  restore(state: unknown) {
    this.seen = (state as { seen: number }).seen;
  }
  stats() {
    return this.s.snapshot();
  }
}

const doubler: Processor<Row, Row> = {
  name: 'doubler',
  outputSchema: (input) => input && defineSchema([...input.fields, col.int32('twice', { nullable: false })]),
  process: (batch) => batch.map((r) => ({ ...r, twice: (r.seen as number) * 2 })),
  stats: () => new StatsCollector('doubler').snapshot(),
};

const registry = () =>
  new ProcessorRegistry().register(
    definePlugin({
      name: 'test-plugins',
      version: '1.0.0',
      processors: { counter: () => new Counter(), doubler: () => doubler },
    }),
  );

const channelConfig = {
  market_trades: {
    processors: [
      { use: 'counter', output: 'trade_count', partition_cols: [] },
      { use: 'doubler', output: 'trade_count_twice', partition_cols: [] },
    ],
  },
};

async function rows(out: string, dataset: string): Promise<Record<string, unknown>[]> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const files = path.join(out, 'coinbase', dataset, '**', '*.parquet');
  return (
    await connection.runAndReadAll(`SELECT * FROM read_parquet('${files}') ORDER BY trade_id`)
  ).getRowObjects() as Record<string, unknown>[];
}

describe('CoinbaseStreamPipeline through the dataset sink', () => {
  it('quarantines a row whose partition value cannot name a directory and writes the others', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'etl-stream-sink-'));
    const pipeline = new CoinbaseStreamPipeline({ outputDir: out, features: false, rollRows: 1_000_000 });
    const summary = await pipeline.run(
      once(
        frames([
          { id: 'a', product: 'GOOD-USD', price: 1 },
          { id: 'b', product: 'BAD\ud800', price: 2 },
          { id: 'c', product: 'GOOD-USD', price: 3 },
        ]),
      ),
    );
    expect(summary.datasets.market_trades?.rows).toBe(2);
    expect(summary.quarantinedLines).toBe(1);
    const dir = path.join(out, 'coinbase', '_quarantine');
    const [file] = readdirSync(dir);
    const entry = JSON.parse(readFileSync(path.join(dir, file!), 'utf8').trim());
    expect(entry).toMatchObject({
      stage: 'partition-guard',
      file: path.join(out, 'coinbase', 'market_trades'),
    });
    expect(entry.reason).toMatch(/product_id/);
    expect((await rows(out, 'market_trades')).map((r) => r.trade_id)).toEqual(['a', 'c']);
  });

  it('chains plugin processors and carries their state across a restart', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'etl-stream-plugins-'));
    const trades = ['t1', 't2', 't3', 't4', 't5'].map((id, i) => ({ id, product: 'BTC-USD', price: i + 1 }));
    const options = { outputDir: out, features: false as const, channelConfig, registry: registry() };
    await new CoinbaseStreamPipeline(options).run(once(frames(trades.slice(0, 3))));
    const second = new CoinbaseStreamPipeline({ ...options, registry: registry() });
    expect(await second.resume()).toBe(3);
    await second.run(once(frames(trades.slice(3), 4)));
    expect(await rows(out, 'trade_count_twice')).toEqual(
      trades.map((t, i) => ({ trade_id: t.id, seen: i + 1, twice: 2 * (i + 1) })),
    );
    expect((await rows(out, 'trade_count')).map((r) => r.seen)).toEqual([1, 2, 3, 4, 5]);
    // The channel's own dataset is unchanged: every entry has an `output`.
    expect((await rows(out, 'market_trades')).map((r) => r.trade_id)).toEqual(trades.map((t) => t.id));
  });
});
