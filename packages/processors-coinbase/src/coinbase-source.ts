/**
 * The Coinbase sources: every dataset `etl run` writes for Coinbase, its schema, partitioning and
 * the channels that fill it, the side datasets and control rows the processors emit, the options
 * of each dataset's processors (types, defaults, checks) and how the processor chain is built.
 * The orchestrator and the CLI read all of this from here; nothing else declares it.
 *
 * Two sources share one declaration: `coinbase` (the Advanced Trade WebSocket feed) and
 * `coinbase-exchange` (the legacy Exchange feed). They fill the same datasets through the same
 * processors and differ only in what reads a message: the parser, the reader's fast path, which
 * message types fill which dataset, and the sequence check (the Exchange feed has no
 * connection-wide sequence number). Both write under `<output>/coinbase/`.
 */
import {
  ConfigError,
  defineSource,
  type OptionSpecs,
  option,
  type Processor,
  type Row,
  type Schema,
  type Source,
  type SourceChainContext,
  type SourceDataset,
  type SourceDatasetSettings,
  type SourceDefinition,
  type SourceParserContext,
} from '@etl/core';
import { bookSnapshotSchema } from './book-snapshot-processor.js';
import { CROSSED_POLICIES } from './crossed-book.js';
import { ExchangeFeedParser } from './exchange-feed-parser.js';
import { Level2Processor } from './level2-processor.js';
import { AdvancedTradeLineScanner } from './line-scanner.js';
import { QUALITY_CHANNEL, qualitySchema } from './quality.js';
import { RawParser } from './raw-parser.js';
import { CONTROL_CHANNEL } from './rows.js';
import { candlesSchema, level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';
import { TickerProcessor } from './ticker-processor.js';
import { TradesProcessor } from './trades-processor.js';

/** `etl.channels.level2.processor_options` (see the README's Level2Processor options). */
const level2Options = (sequenceCheckDefault: 'auto' | 'off'): OptionSpecs => ({
  addDerivedFields: option.boolean('mid_price, spread, spread_bps', true),
  reconstructLob: option.boolean('rebuild the books and stamp book columns on every row', true),
  // True: `etl run` has always written the feature columns, the seed's configs all enable them,
  // and the spec lists microprice, imbalance_l1 and ofi among level2's columns.
  computeFeatures: option.boolean('microprice, imbalance_l1, ofi and depth columns', true),
  depthLevels: option.positiveList('integers', 'bid_depth_<n>/ask_depth_<n> for each n', [10]),
  depthBps: option.positiveList('numbers', 'bid_depth_<x>bps/ask_depth_<x>bps for each x', [10]),
  crossedPolicy: option.oneOf(CROSSED_POLICIES, 'what to do with a crossed book', 'remove-stale'),
  sequenceCheck: option.oneOf(
    ['auto', 'strict', 'off'] as const,
    'how sequence_num jumps are judged',
    sequenceCheckDefault,
  ),
  bookSnapshots: option.positiveIntegers(
    ['depth', 'intervalMs'],
    'write book_snapshot_<depth>_<interval> rows (top-N levels at fixed intervals)',
  ),
});

const marketTradesOptions: OptionSpecs = {
  addDerivedFields: option.boolean('side_normalized and value', true),
  inferAggressor: option.boolean('aggressor side from the prevailing book (needs reconstruct_lob)', true),
  dedup: option.boolean('drop trades already seen, by (product_id, trade_id)', true),
  dedupWindow: option.positiveInteger('recent trade ids remembered per product for dedup', 10_000),
};

const tickerOptions: OptionSpecs = {
  addDerivedFields: option.boolean('mid_price, spread, spread_bps, range_24h, range_24h_pct', true),
};

/** The four datasets; `inputChannels` says which messages of the feed fill each. */
function datasets(
  inputs: Readonly<Record<string, readonly string[]>>,
  sequenceCheckDefault: 'auto' | 'off',
): SourceDataset[] {
  return [
    {
      name: 'level2',
      description: 'price-level update, with the book after its whole message',
      schema: level2Schema,
      partitionCols: ['product_id', 'date'],
      rowChannels: ['l2_data', 'level2'],
      inputChannels: inputs.level2 ?? [],
      options: level2Options(sequenceCheckDefault),
    },
    {
      name: 'market_trades',
      description: 'trade (deduplicated), with the prevailing quote and inferred aggressor',
      schema: marketTradesSchema,
      partitionCols: ['product_id', 'date'],
      rowChannels: ['market_trades'],
      inputChannels: inputs.market_trades ?? [],
      options: marketTradesOptions,
    },
    {
      name: 'ticker',
      description: 'ticker',
      schema: tickerSchema,
      partitionCols: ['date', 'hour'],
      rowChannels: ['ticker', 'ticker_batch'],
      inputChannels: inputs.ticker ?? [],
      options: tickerOptions,
    },
    {
      name: 'candles',
      description: 'candle',
      schema: candlesSchema,
      partitionCols: ['product_id', 'date'],
      rowChannels: ['candles'],
      inputChannels: inputs.candles ?? [],
      options: {},
    },
  ];
}

const BOOK_SNAPSHOT_PREFIX = 'book_snapshot_';

/** `book_snapshot_<depth>_<interval>`'s schema; undefined for a name that is not one. */
function bookSnapshotDatasetSchema(dataset: string): Schema | undefined {
  const depth = Number(dataset.slice(BOOK_SNAPSHOT_PREFIX.length).split('_')[0]);
  return Number.isInteger(depth) && depth > 0 ? bookSnapshotSchema(depth) : undefined;
}

function settings(datasets: Readonly<Record<string, SourceDatasetSettings>>, name: string) {
  const s = datasets[name];
  if (!s) throw new Error(`the Coinbase source has no dataset ${name}`);
  return s;
}

/** Without the book there is nothing to compute features from, snapshot, or infer an aggressor with. */
function checkSettings(datasets: Readonly<Record<string, SourceDatasetSettings>>, keyPrefix: string): void {
  const level2 = settings(datasets, 'level2').processorOptions;
  const trades = settings(datasets, 'market_trades');
  if (level2.reconstructLob !== false) return;
  const needs = [
    level2.computeFeatures === true ? 'level2 compute_features (default true)' : '',
    level2.bookSnapshots ? 'level2 book_snapshots' : '',
    trades.enabled && trades.processorOptions.inferAggressor === true
      ? 'market_trades infer_aggressor (default true)'
      : '',
  ].filter(Boolean);
  if (needs.length) {
    throw new ConfigError(
      `${keyPrefix}.level2.processor_options.reconstruct_lob`,
      `is false, but ${needs.join(' and ')} need the book: turn them off too`,
    );
  }
}

/** Level2 (books) → trades → ticker: every channel in wire order, so trades see the book. */
function processors(context: SourceChainContext): Processor<Row, Row>[] {
  const level2 = settings(context.datasets, 'level2');
  const trades = settings(context.datasets, 'market_trades');
  const inferAggressor = trades.enabled && trades.processorOptions.inferAggressor === true;
  const logger = context.logger;
  const stages: Processor<Row, Row>[] = [];
  if (level2.enabled || inferAggressor) {
    stages.push(
      new Level2Processor({
        ...level2.processorOptions,
        annotateTrades: inferAggressor,
        messagesEndAtBatchEnd: context.messagesEndAtBatchEnd,
        logger,
      }),
    );
  }
  stages.push(new TradesProcessor({ ...trades.processorOptions, logger }));
  stages.push(new TickerProcessor({ ...settings(context.datasets, 'ticker').processorOptions }));
  return stages;
}

/** Names of the fields `output` has beyond `input`'s. */
function addedColumns(input: Schema, output: Schema | undefined): string[] {
  if (!output) return [];
  const known = new Set(input.fields.map((f) => f.name));
  return output.fields.map((f) => f.name).filter((name) => !known.has(name));
}

const shared = {
  directory: 'coinbase',
  sideDatasets: [
    {
      name: QUALITY_CHANNEL,
      description: 'sequence gap, reconnect, crossed-book repair, checkpoint event',
      schema: qualitySchema,
      partitionCols: ['date'],
    },
    {
      name: BOOK_SNAPSHOT_PREFIX,
      prefix: true,
      description: 'top-N book levels at fixed intervals (level2 book_snapshots option)',
      schema: bookSnapshotDatasetSchema,
      partitionCols: ['product_id', 'date'],
    },
  ],
  // Sequence numbers of messages that fill no dataset (heartbeats, subscriptions): only read by
  // the level2 processor's sequence check.
  controlChannels: [CONTROL_CHANNEL],
  checkSettings,
  processors,
} satisfies Partial<SourceDefinition>;

/** The Coinbase Advanced Trade WebSocket feed (`--source coinbase`, the default). */
export const coinbaseSource: Source = defineSource({
  ...shared,
  name: 'coinbase',
  description: 'Coinbase Advanced Trade WebSocket feed',
  datasets: datasets(
    {
      level2: ['l2_data'],
      market_trades: ['market_trades'],
      ticker: ['ticker', 'ticker_batch'],
      candles: ['candles'],
    },
    'auto',
  ),
  // Level2 rows are created with the columns the processors add (the book's), so filling them is cheap.
  parser: (context: SourceParserContext) =>
    new RawParser({
      source: 'coinbase',
      logger: context.logger,
      ...(context.quarantine ? { quarantine: context.quarantine } : {}),
      level2Columns: addedColumns(level2Schema, context.processors.outputSchema(level2Schema)),
    }),
  // The dominant l2_data lines skip JSON.parse (RawParser falls back to it for the rest).
  lineParser: () => new AdvancedTradeLineScanner(),
});

/** The legacy Coinbase Exchange feed (`--source coinbase-exchange`): same datasets, another parser. */
export const coinbaseExchangeSource: Source = defineSource({
  ...shared,
  name: 'coinbase-exchange',
  description: 'legacy Coinbase Exchange WebSocket feed',
  // No connection-wide sequence number (rows carry null): nothing for the level2 check to follow.
  datasets: datasets(
    { level2: ['snapshot', 'l2update'], market_trades: ['match', 'last_match'], ticker: ['ticker'] },
    'off',
  ),
  parser: (context: SourceParserContext) =>
    new ExchangeFeedParser({
      logger: context.logger,
      ...(context.quarantine ? { quarantine: context.quarantine } : {}),
    }),
});
