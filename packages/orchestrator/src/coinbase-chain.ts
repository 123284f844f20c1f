/**
 * The Coinbase processor chain (parser → level2 with books → trades → ticker, every channel in
 * wire order) and the schema and partitioning of each dataset it feeds, for pipelines other than
 * the segment pipeline (the live stream). Built from the same resolved channel config, so a live
 * run and a batch run of the same frames produce the same rows.
 */
import {
  type Logger,
  type Processor,
  ProcessorChain,
  type QuarantineSink,
  type Row,
  type Schema,
  type SourceRecord,
  silentLogger,
} from '@etl/core';
import {
  bookSnapshotSchema,
  candlesSchema,
  ExchangeFeedParser,
  Level2Processor,
  level2Schema,
  marketTradesSchema,
  qualitySchema,
  RawParser,
  TickerProcessor,
  TradesProcessor,
  tickerSchema,
} from '@etl/processors-coinbase';
import { type BuiltinDataset, type ResolvedChannels, SIDE_DATASET_PARTITIONS } from './channel-config.js';

/** Which Coinbase feed the records come from. */
export type CoinbaseSource = 'coinbase' | 'coinbase-exchange';

export interface CoinbaseChainOptions {
  /** `coinbase` (Advanced Trade, default) or `coinbase-exchange` (the legacy Exchange feed). */
  readonly source?: CoinbaseSource;
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
  /**
   * Every `process` call holds whole messages (true when one record is one frame, as on the live
   * bus): the level2 processor then holds no rows back, and `checkpoint()` may be taken between
   * any two batches.
   */
  readonly messagesEndAtBatchEnd?: boolean;
}

export interface CoinbaseChain {
  /** Records in, rows of every dataset out (control rows included; route them with `routeRows`). */
  readonly chain: ProcessorChain<SourceRecord, Row>;
  /** The stateful part (books, trade dedup): what `checkpoint`/`restore` and output schemas use. */
  readonly stateful: ProcessorChain<Row, Row>;
}

const RAW_SCHEMAS: Readonly<Record<BuiltinDataset, Schema>> = {
  level2: level2Schema,
  market_trades: marketTradesSchema,
  ticker: tickerSchema,
  candles: candlesSchema,
};

/** Parser → level2 (books) → trades → ticker: every channel in wire order, for batch and live runs. */
export function buildCoinbaseChain(
  channels: ResolvedChannels,
  options: CoinbaseChainOptions = {},
): CoinbaseChain {
  const logger = options.logger ?? silentLogger;
  const tradesOptions = channels.market_trades.processorOptions;
  const inferAggressor = channels.market_trades.enabled && tradesOptions.inferAggressor === true;
  // The Exchange feed has no connection-wide sequence number (rows carry null), so there is
  // nothing for the level2 sequence check to follow.
  const exchange = options.source === 'coinbase-exchange';
  const quarantine = options.quarantine ? { quarantine: options.quarantine } : {};
  const stages: Processor<Row, Row>[] = [];
  if (channels.level2.enabled || inferAggressor) {
    stages.push(
      new Level2Processor({
        ...(exchange ? { sequenceCheck: 'off' as const } : {}),
        ...channels.level2.processorOptions,
        annotateTrades: inferAggressor,
        messagesEndAtBatchEnd: options.messagesEndAtBatchEnd ?? false,
        logger,
      }),
    );
  }
  stages.push(new TradesProcessor({ ...tradesOptions, logger }));
  stages.push(new TickerProcessor({ ...channels.ticker.processorOptions }));
  const stateful = new ProcessorChain<Row, Row>(stages, 'coinbase-processors');
  // Level2 rows are created with the columns the stages add (the book's), so filling them is cheap.
  const parser = exchange
    ? new ExchangeFeedParser({ logger, ...quarantine })
    : new RawParser({
        source: 'coinbase',
        logger,
        ...quarantine,
        level2Columns: addedColumns(level2Schema, stateful.outputSchema(level2Schema)),
      });
  const chain = new ProcessorChain<SourceRecord, Row>(
    [parser as Processor<never, unknown>, stateful],
    'coinbase',
  );
  return { chain, stateful };
}

/** Names of the fields `output` has beyond `input`'s. */
function addedColumns(input: Schema, output: Schema | undefined): string[] {
  if (!output) return [];
  const known = new Set(input.fields.map((f) => f.name));
  return output.fields.map((f) => f.name).filter((name) => !known.has(name));
}

/** True for the four datasets of Coinbase channels (the others are side datasets). */
export function isChannelDataset(dataset: string): dataset is BuiltinDataset {
  return dataset in RAW_SCHEMAS;
}

/** Output schema of a dataset the chain feeds, or undefined for rows nobody declared. */
export function coinbaseDatasetSchema(
  stateful: ProcessorChain<Row, Row>,
  dataset: string,
): Schema | undefined {
  if (isChannelDataset(dataset)) return stateful.outputSchema(RAW_SCHEMAS[dataset]);
  if (dataset === 'quality') return qualitySchema;
  if (dataset.startsWith('book_snapshot_')) {
    const depth = Number(dataset.slice('book_snapshot_'.length).split('_')[0]);
    return Number.isInteger(depth) && depth > 0 ? bookSnapshotSchema(depth) : undefined;
  }
  return undefined;
}

/** Partition columns of a dataset: the channel config's, or the side datasets' defaults. */
export function coinbaseDatasetPartitions(channels: ResolvedChannels, dataset: string): readonly string[] {
  if (isChannelDataset(dataset)) return channels[dataset].partitionCols;
  if (dataset.startsWith('book_snapshot_')) return SIDE_DATASET_PARTITIONS.book_snapshot ?? [];
  return SIDE_DATASET_PARTITIONS[dataset] ?? ['date'];
}
