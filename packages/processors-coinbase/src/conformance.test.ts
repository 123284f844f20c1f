/**
 * The processor conformance kit of `@etl/core/testing` over every processor this package
 * exports, on rows of the real captures in tooling/fixtures/coinbase.
 *
 * What the kit is told, and why: the processors after the parser add their columns to the rows
 * they are given (`inPlace`, no copy per row); Level2Processor also emits quality rows (and book
 * snapshots) for side datasets, and a quality row after every restore (`sideOutputs`); it is
 * checkpointed between batches only when messages end at batch ends, as the stream pipeline runs
 * it, so its batches are cut between messages (`groupOf`).
 */
import type { Row, Schema, SourceRecord } from '@etl/core';
import type { ConformanceOptions, SideOutput } from '@etl/core/testing';
import { testProcessor } from '@etl/core/testing/vitest';
import { readFixtureRecords, SEGMENT } from './__fixtures__/fixture-records.js';
import { bookSnapshotChannel, bookSnapshotSchema } from './book-snapshot-processor.js';
import { ExchangeFeedParser } from './exchange-feed-parser.js';
import type { Level2ProcessorOptions } from './level2-options.js';
import { Level2Processor } from './level2-processor.js';
import { QUALITY_CHANNEL, qualitySchema } from './quality.js';
import { RawParser } from './raw-parser.js';
import { CONTROL_CHANNEL } from './rows.js';
import { level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';
import { TickerProcessor } from './ticker-processor.js';
import { TradesProcessor } from './trades-processor.js';

/** Four uneven batches, one of them empty, cut only where `key` changes. */
function batchesOf<T>(items: readonly T[], key: (item: T) => unknown = (item) => item): T[][] {
  const cutAfter = (at: number): number => {
    let i = Math.max(1, at);
    while (i < items.length && Object.is(key(items[i]!), key(items[i - 1]!))) i++;
    return Math.min(i, items.length);
  };
  const a = cutAfter(Math.floor(items.length / 5));
  const b = Math.max(a, cutAfter(Math.floor(items.length / 2)));
  return [items.slice(0, a), items.slice(a, b), [], items.slice(b)];
}

const segment = await readFixtureRecords(SEGMENT);
const parsed = new RawParser({ source: 'coinbase' }).process(segment);
const ofChannel = (channel: string) => parsed.filter((r) => r.channel === channel);
// As a pipeline feeds it: level2 rows with the control rows that carry the sequence numbers of the
// other channels' messages (else their numbers look like gaps). Every 40th level of the opening
// snapshots (47,000 levels in all) keeps the checks quick; every update is kept.
const level2Input = (also: string[] = []) =>
  parsed.filter(
    (row, i) =>
      (row.channel === 'l2_data' && (row.is_snapshot !== true || i % 40 === 0)) ||
      row.channel === CONTROL_CHANNEL ||
      also.includes(row.channel as string),
  );
const level2 = level2Input();
const trades = ofChannel('market_trades');
const tickers = ofChannel('ticker');
const exchange = (await readFixtureRecords('exchange-session-level2-ticker-matches-2021-04-17.ndjson')).slice(
  0,
  600,
);

const asRows = (records: readonly SourceRecord[]) => batchesOf(records as unknown as Row[]);
const parser = (
  create: () => unknown,
  records: readonly SourceRecord[],
  severalShapes = false,
): ConformanceOptions => ({
  create: create as ConformanceOptions['create'],
  batches: asRows(records),
  ...(severalShapes ? { severalShapes } : {}),
});

const isQuality = (row: Readonly<Row>) => row.channel === QUALITY_CHANNEL;
/** 'checkpoint_restored' / 'checkpoint_stale': written when restored, so a split run has more. */
const restoreNotes: SideOutput = {
  name: 'quality',
  schema: qualitySchema,
  test: (row) => isQuality(row) && String(row.kind).startsWith('checkpoint_'),
  recordsRestores: true,
};
const quality: SideOutput = { name: 'quality', schema: qualitySchema, test: isQuality };
/** Control rows pass through to later stages; no dataset stores them. */
const control: SideOutput = {
  name: 'control',
  schema: undefined,
  test: (row) => row.channel === CONTROL_CHANNEL,
};
const snapshots = (depth: number, intervalMs: number): SideOutput => ({
  name: 'book snapshot',
  schema: bookSnapshotSchema(depth),
  test: (row) => row.channel === bookSnapshotChannel(depth, intervalMs),
});

/** One message's rows share a sequence number (trades and level2 alike). */
const message = (row: Row) => row.sequence_num;

function level2Case(
  options: Level2ProcessorOptions,
  rows: readonly Row[],
  inputSchema?: Schema,
  sides: SideOutput[] = [],
): ConformanceOptions {
  return {
    create: () => new Level2Processor({ ...options, messagesEndAtBatchEnd: true }),
    batches: batchesOf(rows, message),
    ...(inputSchema ? { inputSchema } : {}),
    sideOutputs: [restoreNotes, quality, control, ...sides],
    inPlace: true,
    groupOf: message,
  };
}

const cases: [string, ConformanceOptions][] = [
  ['RawParser (every channel)', parser(() => new RawParser({ source: 'coinbase' }), segment, true)],
  ...['level2', 'market_trades', 'ticker', 'candles'].map((channel): [string, ConformanceOptions] => [
    `RawParser({ channel: '${channel}' })`,
    parser(() => new RawParser({ source: 'coinbase', channel }), segment),
  ]),
  ['ExchangeFeedParser (every channel)', parser(() => new ExchangeFeedParser(), exchange, true)],
  ['Level2Processor', level2Case({}, level2, level2Schema)],
  ['Level2Processor (input schema guessed from the rows)', level2Case({}, level2)],
  ['Level2Processor({ computeFeatures: true })', level2Case({ computeFeatures: true }, level2, level2Schema)],
  ['Level2Processor({ reconstructLob: false })', level2Case({ reconstructLob: false }, level2, level2Schema)],
  [
    'Level2Processor({ bookSnapshots })',
    level2Case({ bookSnapshots: { depth: 5, intervalMs: 1000 } }, level2, level2Schema, [snapshots(5, 1000)]),
  ],
  [
    'Level2Processor({ annotateTrades: true }) on level2 and trades',
    {
      ...level2Case({ annotateTrades: true }, level2Input(['market_trades'])),
      severalShapes: true,
    },
  ],
  [
    'TradesProcessor',
    {
      create: () => new TradesProcessor(),
      batches: batchesOf(trades),
      inputSchema: marketTradesSchema,
      inPlace: true,
    },
  ],
  [
    'TradesProcessor({ inferAggressor: true, addDerivedFields: true })',
    {
      create: () => new TradesProcessor({ inferAggressor: true, addDerivedFields: true }),
      batches: batchesOf(trades),
      inputSchema: marketTradesSchema,
      inPlace: true,
    },
  ],
  [
    'TickerProcessor',
    {
      create: () => new TickerProcessor(),
      batches: batchesOf(tickers),
      inputSchema: tickerSchema,
      inPlace: true,
    },
  ],
  [
    'TickerProcessor({ addDerivedFields: true })',
    {
      create: () => new TickerProcessor({ addDerivedFields: true }),
      batches: batchesOf(tickers),
      inputSchema: tickerSchema,
      inPlace: true,
    },
  ],
];

for (const [name, options] of cases) testProcessor(name, options);
