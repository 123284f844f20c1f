/**
 * The runner every path shares: records in, rows through the built-in processors and the plugin
 * processors, into one writer session per dataset through the partition guard and quarantine,
 * with one checkpoint that holds the state of both. The paths are strategies around it:
 * `CoinbaseSegmentPipeline` (a file in, one unit committed at its end; `ETLJob`, `SegmentStatePass`
 * and the queue workers run through it) and `CoinbaseStreamPipeline` (the bus in, a unit committed
 * per roll). They decide where batches come from and when a unit ends; how it is committed is
 * theirs too (a segment's manifest with its input's identity, a roll's with its stream position).
 */
import type {
  Logger,
  ProcessorChain,
  ProcessorRegistry,
  QuarantineSink,
  Row,
  SourceRecord,
  Stats,
  Writer,
  WriteSession,
  WrittenFile,
} from '@etl/core';
import type { ResolvedChannels } from './channel-config.js';
import { buildCoinbaseChain, type CoinbaseSource, coinbaseDatasetSchema } from './coinbase-chain.js';
import { DatasetSink, type SinkUnit } from './dataset-sink.js';
import { chainCheckpoint, PluginFlow, restoreChain } from './plugin-flow.js';
import { resolveSource } from './sources.js';

export interface ConversionRunnerOptions {
  /** `<output>/coinbase`: datasets land in `<outRoot>/<dataset>/`. */
  readonly outRoot: string;
  readonly channels: ResolvedChannels;
  readonly source?: CoinbaseSource;
  /** Processors that channel configs may name (plugins). */
  readonly registry?: ProcessorRegistry | undefined;
  readonly writer: Writer<Row>;
  /** Bad records and rejected rows of the current unit. */
  readonly quarantine: QuarantineSink;
  /** Datasets to write (default every enabled one; an empty set writes none, state still runs). */
  readonly only?: ReadonlySet<string> | undefined;
  /** For the processors' own warnings. */
  readonly logger: Logger;
  /** Every batch holds whole messages (the live bus): see `CoinbaseChainOptions`. */
  readonly messagesEndAtBatchEnd?: boolean;
}

/** Creates the configured plugin processors once, so a bad `processors` entry fails at start. */
export function checkPluginConfig(
  channels: ResolvedChannels,
  registry: ProcessorRegistry | undefined,
  logger: Logger,
  source?: CoinbaseSource,
): void {
  const { stateful } = buildCoinbaseChain(channels, source ? { source } : {});
  new PluginFlow(channels, registry, logger, (channel) => coinbaseDatasetSchema(stateful, channel, source));
}

export class ConversionRunner {
  /** Records in, rows of every dataset out (for the feed parser's counters and stats). */
  readonly chain: ProcessorChain<SourceRecord, Row>;
  private readonly stateful: ProcessorChain<Row, Row>;
  private readonly plugins: PluginFlow;
  private readonly sink: DatasetSink;

  constructor(private readonly options: ConversionRunnerOptions) {
    const { channels, logger } = options;
    const source = resolveSource(options.source);
    const built = buildCoinbaseChain(channels, {
      quarantine: options.quarantine,
      logger,
      source,
      ...(options.messagesEndAtBatchEnd ? { messagesEndAtBatchEnd: true } : {}),
    });
    this.chain = built.chain;
    this.stateful = built.stateful;
    this.plugins = new PluginFlow(channels, options.registry, logger, (channel) =>
      coinbaseDatasetSchema(built.stateful, channel, source),
    );
    this.sink = new DatasetSink({
      outRoot: options.outRoot,
      channels,
      source,
      stateful: built.stateful,
      plugins: this.plugins,
      writer: options.writer,
      quarantine: options.quarantine,
      ...(options.only ? { only: options.only } : {}),
      logger,
    });
  }

  /** The state of the built-in and plugin processors (what a checkpoint holds). */
  checkpoint(): unknown {
    return chainCheckpoint(this.stateful, this.plugins);
  }

  restore(state: unknown, logger: Logger = this.options.logger): void {
    restoreChain(this.stateful, this.plugins, state, logger);
  }

  /** Sessions opened from now on belong to `unit`. */
  startUnit(unit: SinkUnit): void {
    this.sink.startUnit(unit);
  }

  /**
   * Runs a batch through the processors and writes its rows; `beforeWrite` sees the rows first
   * (live features go out before the disk work). Returns how many rows were written.
   */
  async process(batch: readonly SourceRecord[], beforeWrite?: (rows: Row[]) => void): Promise<number> {
    const rows = this.chain.process(batch);
    beforeWrite?.(rows);
    return this.sink.write(rows);
  }

  /** End of an input: what the built-in and then the plugin processors held back. */
  async finishInput(): Promise<void> {
    await this.sink.write(this.chain.flush());
    await this.sink.flushPlugins();
  }

  /** Finishes the unit's files, unpublished; {@link abort} still removes them. */
  close(): Promise<{ dataset: string; file: WrittenFile }[]> {
    return this.sink.close();
  }

  /** The unit's sessions, for the caller to close while the next unit starts. */
  detach(): Map<string, WriteSession<Row>> {
    return this.sink.detach();
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }

  stats(): Stats {
    return this.chain.stats();
  }
}
