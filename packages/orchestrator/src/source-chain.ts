/**
 * A source's processor chain (parser → the source's stateful processors, every channel in wire
 * order) and the schema and partitioning of each dataset it feeds, built from the source's
 * declaration and a resolved channel config. Every pipeline (segments, the queue worker, the live
 * stream, `ETLPipeline`) asks these questions here, so none of them knows a feed.
 */
import {
  type Logger,
  type Processor,
  ProcessorChain,
  type QuarantineSink,
  type Row,
  type Schema,
  type Source,
  type SourceChainContext,
  type SourceRecord,
  sideDatasetSchema,
  silentLogger,
} from '@etl/core';
import type { ResolvedChannels } from './channel-config.js';

export interface SourceChainOptions {
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
  /**
   * Every `process` call holds whole messages (true when one record is one frame, as on the live
   * bus): processors then hold no rows back, and `checkpoint()` may be taken between any two batches.
   */
  readonly messagesEndAtBatchEnd?: boolean;
}

export interface SourceChain {
  /** Records in, rows of every dataset out (control rows included; route them with `routeRows`). */
  readonly chain: ProcessorChain<SourceRecord, Row>;
  /** The stateful part: what `checkpoint`/`restore` and output schemas use. */
  readonly stateful: ProcessorChain<Row, Row>;
}

/** Parser → the source's processors, for the datasets `channels` enables. */
export function buildSourceChain(
  source: Source,
  channels: ResolvedChannels,
  options: SourceChainOptions = {},
): SourceChain {
  const context: SourceChainContext = {
    datasets: channels,
    logger: options.logger ?? silentLogger,
    messagesEndAtBatchEnd: options.messagesEndAtBatchEnd ?? false,
    ...(options.quarantine ? { quarantine: options.quarantine } : {}),
  };
  const stateful = new ProcessorChain<Row, Row>(source.processors(context), `${source.name}-processors`);
  const parser = source.parser({ ...context, processors: stateful });
  const chain = new ProcessorChain<SourceRecord, Row>(
    [parser as Processor<never, unknown>, stateful],
    source.name,
  );
  return { chain, stateful };
}

/** True for the datasets the source declares (the others are side datasets or plugin outputs). */
export function isSourceDataset(source: Source, dataset: string): boolean {
  return source.dataset(dataset) !== undefined;
}

/** Output schema of a dataset the chain feeds, or undefined for rows nobody declared. */
export function sourceDatasetSchema(
  source: Source,
  stateful: ProcessorChain<Row, Row>,
  dataset: string,
): Schema | undefined {
  const declared = source.dataset(dataset);
  if (declared) return stateful.outputSchema(declared.schema);
  return sideDatasetSchema(source, dataset);
}

/** Partition columns of a dataset: the channel config's, or the side dataset's declared ones. */
export function sourceDatasetPartitions(
  source: Source,
  channels: ResolvedChannels,
  dataset: string,
): readonly string[] {
  const configured = source.dataset(dataset) ? channels[dataset] : undefined;
  if (configured) return configured.partitionCols;
  return source.sideDataset(dataset)?.partitionCols ?? ['date'];
}
