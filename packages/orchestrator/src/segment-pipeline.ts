/**
 * Processes one Coinbase segment into every channel's dataset in a single pass: the segment is
 * read and parsed once, one processor chain keeps the books and cross-channel state in wire order,
 * and rows are routed by channel to one writer session per dataset. Output is committed
 * all-or-nothing per segment (see segment-commit.ts).
 */
import path from 'node:path';
import {
  type Logger,
  type Processor,
  ProcessorChain,
  type ProcessorRegistry,
  type Row,
  type Schema,
  silentLogger,
  type Stats,
  type WriteSession,
  type WrittenFile,
} from '@etl/core';
import {
  bookSnapshotSchema,
  candlesSchema,
  Level2Processor,
  level2Schema,
  marketTradesSchema,
  qualitySchema,
  RawParser,
  TickerProcessor,
  TradesProcessor,
  tickerSchema,
} from '@etl/processors-coinbase';
import { NDJSONReader } from '@etl/readers-ndjson';
import { type ParquetCompression, ParquetWriter } from '@etl/writer-parquet';
import {
  type BuiltinDataset,
  type ChannelConfigMap,
  type ResolvedChannels,
  resolveChannelConfig,
  SIDE_DATASET_PARTITIONS,
} from './channel-config.js';
import { CheckpointStore } from './checkpoint-store.js';
import { routeRows } from './dataset-router.js';
import { QuarantineCollector } from './quarantine-file.js';
import { commitSegment, type SegmentManifest } from './segment-commit.js';
import { segmentId } from './segment-id.js';

export interface CoinbaseSegmentPipelineOptions {
  /** Root of the output; datasets land in `<outputDir>/coinbase/<dataset>/`. */
  readonly outputDir: string;
  /** Seed-style (snake_case) or camelCase channel config, merged over the defaults. */
  readonly channelConfig?: ChannelConfigMap | Record<string, unknown>;
  readonly compression?: ParquetCompression;
  /** Processors that channel configs may name (plugins). */
  readonly registry?: ProcessorRegistry;
  readonly logger?: Logger;
  /** Lines per batch through the chain. */
  readonly batchSize?: number;
  /** Fail the segment after this many bad lines (default: never). */
  readonly maxErrors?: number;
  /** Carry book and trade state across segments (default true). */
  readonly checkpoints?: boolean;
  readonly rowGroupSize?: number;
  readonly maxRowsPerFile?: number;
}

export interface DatasetSummary {
  rows: number;
  files: number;
  bytes: number;
}

export interface SegmentResult {
  readonly segment: string;
  readonly inputId: string;
  readonly datasets: Readonly<Record<string, DatasetSummary>>;
  readonly quarantinedLines: number;
  readonly lines: number;
  readonly bytesIn: number;
  readonly manifest: SegmentManifest;
  readonly stats: { readonly reader: Stats; readonly chain: Stats; readonly writer: Stats };
}

export const SOURCE = 'coinbase';

const RAW_SCHEMAS: Readonly<Record<BuiltinDataset, Schema>> = {
  level2: level2Schema,
  market_trades: marketTradesSchema,
  ticker: tickerSchema,
  candles: candlesSchema,
};

export class CoinbaseSegmentPipeline {
  readonly outputDir: string;
  readonly outRoot: string;
  readonly channels: ResolvedChannels;
  private readonly logger: Logger;

  constructor(private readonly options: CoinbaseSegmentPipelineOptions) {
    this.outputDir = options.outputDir;
    this.outRoot = path.join(options.outputDir, SOURCE);
    this.channels = resolveChannelConfig(options.channelConfig ?? {});
    this.logger = options.logger ?? silentLogger;
  }

  /** Processes one segment; `channels` limits which datasets are written. */
  async processSegment(file: string, opts: { channels?: readonly string[] } = {}): Promise<SegmentResult> {
    const inputId = segmentId(file);
    const only = opts.channels ? new Set(opts.channels) : undefined;
    const enabled = (d: BuiltinDataset) => this.channels[d].enabled && (!only || only.has(d));
    const quarantine = new QuarantineCollector();
    const reader = new NDJSONReader({
      quarantine,
      logger: this.logger,
      ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
      ...(this.options.maxErrors !== undefined ? { maxErrors: this.options.maxErrors } : {}),
    });
    const { chain, stateful } = this.buildChain(quarantine);
    const checkpoints = this.options.checkpoints === false ? undefined : new CheckpointStore(path.join(this.outRoot, '_state', 'checkpoints'));
    if (checkpoints) {
      const stored = await checkpoints.loadBefore(inputId);
      if (stored) stateful.restore(stored.state);
    }

    const writer = new ParquetWriter({
      compression: this.options.compression ?? 'zstd',
      logger: this.logger,
      ...(this.options.rowGroupSize ? { rowGroupSize: this.options.rowGroupSize } : {}),
      ...(this.options.maxRowsPerFile ? { maxRowsPerFile: this.options.maxRowsPerFile } : {}),
    });
    const sessions = new Map<string, WriteSession<Row>>();
    const plugins = this.pluginChains();
    const outputSchemaFor = (dataset: string): Schema | undefined => {
      if (dataset in RAW_SCHEMAS) return stateful.outputSchema(RAW_SCHEMAS[dataset as BuiltinDataset]);
      if (dataset === 'quality') return qualitySchema;
      const snap = /^book_snapshot_(\d+)_/.exec(dataset);
      if (snap) return bookSnapshotSchema(Number(snap[1]));
      return undefined;
    };
    const partitionsFor = (dataset: string): readonly string[] => {
      if (dataset in this.channels) return this.channels[dataset as BuiltinDataset].partitionCols;
      if (dataset.startsWith('book_snapshot_')) return SIDE_DATASET_PARTITIONS.book_snapshot ?? [];
      return SIDE_DATASET_PARTITIONS[dataset] ?? ['date'];
    };
    const sessionFor = (dataset: string, schema: Schema, partitionCols: readonly string[]): WriteSession<Row> => {
      let s = sessions.get(dataset);
      if (!s) {
        s = writer.open({
          path: path.join(this.outRoot, dataset),
          schema,
          partitionCols,
          inputId,
          deferPublish: true,
          metadata: { 'etl.source': SOURCE, 'etl.dataset': dataset, 'etl.segment': path.basename(file) },
        });
        sessions.set(dataset, s);
      }
      return s;
    };
    const write = async (rows: readonly Row[]): Promise<void> => {
      for (const [dataset, list] of routeRows(rows)) {
        const builtin = dataset in RAW_SCHEMAS;
        if (builtin && !enabled(dataset as BuiltinDataset)) continue;
        if (!builtin && only && !only.has(dataset)) continue;
        const schema = outputSchemaFor(dataset);
        if (!schema) {
          this.logger.warn('rows for a dataset without a schema were dropped', { dataset, rows: list.length });
          continue;
        }
        const plugin = plugins.get(dataset);
        if (plugin) {
          for (const out of plugin) {
            const produced = out.chain.process(list);
            await this.writePlugin(out, produced, schema, sessionFor);
          }
          if (plugin.some((p) => p.replaces)) continue;
        }
        await sessionFor(dataset, schema, partitionsFor(dataset)).write(list);
      }
    };

    try {
      for await (const batch of reader.read(file)) await write(chain.process(batch));
      await write(chain.flush());
      for (const [dataset, list] of plugins) {
        for (const out of list) {
          const schema = outputSchemaFor(dataset);
          if (schema) await this.writePlugin(out, out.chain.flush(), schema, sessionFor);
        }
      }
      const written: { dataset: string; file: WrittenFile }[] = [];
      for (const [dataset, session] of sessions) {
        const result = await session.close();
        for (const f of result.files) written.push({ dataset, file: f });
      }
      if (quarantine.lineCount > 0) await quarantine.writeTo(path.join(this.outRoot, '_quarantine', `${inputId}.ndjson`));
      const manifest = await commitSegment(this.outRoot, path.basename(file), inputId, written, quarantine.lineCount);
      if (checkpoints) await checkpoints.save(inputId, stateful.checkpoint());
      const datasets: Record<string, DatasetSummary> = {};
      for (const { dataset, file: f } of written) {
        const d = (datasets[dataset] ??= { rows: 0, files: 0, bytes: 0 });
        d.rows += f.rows;
        d.files += 1;
        d.bytes += f.bytes;
      }
      const readerStats = reader.stats();
      return {
        segment: path.basename(file),
        inputId,
        datasets,
        quarantinedLines: quarantine.lineCount,
        lines: readerStats.recordsIn,
        bytesIn: readerStats.bytesIn,
        manifest,
        stats: { reader: readerStats, chain: chain.stats(), writer: writer.stats() },
      };
    } catch (error) {
      await Promise.all([...sessions.values()].map((s) => s.abort().catch(() => {})));
      throw error;
    }
  }

  /** Parser → level2 (books) → trades → ticker, all channels in wire order. */
  private buildChain(quarantine: QuarantineCollector): { chain: ProcessorChain<unknown, Row>; stateful: ProcessorChain } {
    const c = this.channels;
    const tradesOptions = c.market_trades.processorOptions;
    const inferAggressor = c.market_trades.enabled && tradesOptions.inferAggressor === true;
    const parser = new RawParser({ source: 'coinbase', quarantine, logger: this.logger });
    const stages: Processor<Row, Row>[] = [];
    if (c.level2.enabled || inferAggressor) {
      stages.push(new Level2Processor({ ...c.level2.processorOptions, annotateTrades: inferAggressor, logger: this.logger }));
    }
    stages.push(new TradesProcessor({ ...tradesOptions, logger: this.logger }));
    stages.push(new TickerProcessor({ ...c.ticker.processorOptions }));
    const stateful = new ProcessorChain<Row, Row>(stages, 'coinbase-processors');
    const chain = new ProcessorChain<unknown, Row>([parser as Processor<never, unknown>, stateful], 'coinbase-segment');
    return { chain, stateful };
  }

  private pluginChains(): Map<string, PluginOutput[]> {
    const out = new Map<string, PluginOutput[]>();
    const registry = this.options.registry;
    for (const channel of Object.values(this.channels)) {
      if (!channel.processors.length) continue;
      if (!registry) throw new Error(`channel ${channel.dataset} names processors but no plugin registry was given`);
      const list: PluginOutput[] = channel.processors.map((ref, i) => {
        const processor = registry.create(ref.use, ref.options ?? {}, { logger: this.logger }, `etl.channels.${channel.dataset}.processors[${i}]`);
        return {
          chain: new ProcessorChain<Row, Row>([processor as Processor<Row, Row>]),
          dataset: ref.output ?? channel.dataset,
          replaces: ref.output === undefined,
          partitionCols: ref.partitionCols ?? channel.partitionCols,
        };
      });
      out.set(channel.dataset, list);
    }
    return out;
  }

  private async writePlugin(
    out: PluginOutput,
    rows: readonly Row[],
    inputSchema: Schema,
    sessionFor: (dataset: string, schema: Schema, partitionCols: readonly string[]) => WriteSession<Row>,
  ): Promise<void> {
    if (!rows.length) return;
    const schema = out.chain.outputSchema(inputSchema);
    if (!schema) throw new Error(`processor ${out.chain.name} declares no output schema for dataset ${out.dataset}`);
    await sessionFor(out.dataset, schema, out.partitionCols).write(rows);
  }
}

interface PluginOutput {
  readonly chain: ProcessorChain<Row, Row>;
  readonly dataset: string;
  readonly replaces: boolean;
  readonly partitionCols: readonly string[];
}
