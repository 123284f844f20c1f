/**
 * The chain of the selected source (Coinbase Advanced Trade by default) and the schema and
 * partitioning of each dataset it feeds, for the pipelines. Everything about the datasets comes
 * from the source's declaration (see source-chain.ts and `@etl/processors-coinbase`'s
 * coinbase-source.ts); built from the same resolved channel config, a live run and a batch run of
 * the same frames produce the same rows.
 */
import type { Logger, ProcessorChain, QuarantineSink, Row, Schema } from '@etl/core';
import type { ResolvedChannels } from './channel-config.js';
import {
  buildSourceChain,
  isSourceDataset,
  type SourceChain,
  sourceDatasetPartitions,
  sourceDatasetSchema,
} from './source-chain.js';
import { resolveSource, type SourceChoice } from './sources.js';

/** Which source the records come from: a built-in name (`coinbase`, `coinbase-exchange`) or a `defineSource` value. */
export type CoinbaseSource = SourceChoice;

export interface CoinbaseChainOptions {
  /** `coinbase` (Advanced Trade, default), `coinbase-exchange` (the legacy Exchange feed) or another source. */
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

export type CoinbaseChain = SourceChain;

/** Parser → the source's processors: every channel in wire order, for batch and live runs. */
export function buildCoinbaseChain(
  channels: ResolvedChannels,
  options: CoinbaseChainOptions = {},
): CoinbaseChain {
  return buildSourceChain(resolveSource(options.source), channels, options);
}

/** True for the datasets the source declares (the others are side datasets). */
export function isChannelDataset(dataset: string, source?: CoinbaseSource): boolean {
  return isSourceDataset(resolveSource(source), dataset);
}

/** Output schema of a dataset the chain feeds, or undefined for rows nobody declared. */
export function coinbaseDatasetSchema(
  stateful: ProcessorChain<Row, Row>,
  dataset: string,
  source?: CoinbaseSource,
): Schema | undefined {
  return sourceDatasetSchema(resolveSource(source), stateful, dataset);
}

/** Partition columns of a dataset: the channel config's, or the side datasets' declared ones. */
export function coinbaseDatasetPartitions(
  channels: ResolvedChannels,
  dataset: string,
  source?: CoinbaseSource,
): readonly string[] {
  return sourceDatasetPartitions(resolveSource(source), channels, dataset);
}
