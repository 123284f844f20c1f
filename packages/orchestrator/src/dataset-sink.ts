/**
 * The part every path shares between the processor chain and the files: rows are routed to
 * datasets, a channel's rows go through its plugin processors, every dataset's rows pass the
 * partition-value guard (rejected rows are quarantined), and each dataset has one writer session
 * per unit of output (a segment, or a roll of the live stream). What differs between the paths
 * (where input comes from, when a unit is committed) stays with them: a unit's sessions are handed
 * over by {@link DatasetSink.detach} for the caller to close and commit.
 */
import path from 'node:path';
import type {
  Logger,
  ProcessorChain,
  QuarantineSink,
  Row,
  Schema,
  Source,
  Writer,
  WriteSession,
  WrittenFile,
} from '@etl/core';
import type { ResolvedChannels } from './channel-config.js';
import { coinbaseDatasetPartitions, coinbaseDatasetSchema, isChannelDataset } from './coinbase-chain.js';
import { routeRows } from './dataset-router.js';
import { PartitionValueGuard } from './partition-value-guard.js';
import type { PluginFlow, PluginRows } from './plugin-flow.js';

export interface DatasetSinkOptions {
  /** `<output>/coinbase`: datasets land in `<outRoot>/<dataset>/`. */
  readonly outRoot: string;
  readonly channels: ResolvedChannels;
  /** What the datasets are (routing, schemas, partitions). */
  readonly source: Source;
  /** The built-in processors, for the datasets' output schemas. */
  readonly stateful: ProcessorChain<Row, Row>;
  readonly plugins: PluginFlow;
  readonly writer: Writer<Row>;
  /** Where rows the partition guard rejects go (the writer's own rejections go to its sink). */
  readonly quarantine: QuarantineSink;
  /** Datasets to write (default every enabled one; an empty set writes nothing). */
  readonly only?: ReadonlySet<string>;
  readonly logger: Logger;
}

/** What the sessions of one unit are opened with. */
export interface SinkUnit {
  readonly inputId: string;
  /** `etl.source` of the files' metadata. */
  readonly source: string;
  /** Further file metadata (after `etl.source` and `etl.dataset`). */
  readonly metadata: Readonly<Record<string, string>>;
}

export class DatasetSink {
  private readonly sessions = new Map<string, WriteSession<Row>>();
  private readonly guards = new Map<string, PartitionValueGuard>();
  private readonly schemas = new Map<string, Schema | undefined>();
  private unit: SinkUnit | undefined;

  constructor(private readonly options: DatasetSinkOptions) {}

  /** Sessions opened from now on belong to `unit`. */
  startUnit(unit: SinkUnit): void {
    this.unit = unit;
  }

  /** Writes a batch of the chain's rows; returns how many rows went to sessions. */
  async write(rows: readonly Row[]): Promise<number> {
    const { channels, plugins, only, source } = this.options;
    let written = 0;
    for (const [dataset, list] of routeRows(source, rows)) {
      const builtin = isChannelDataset(dataset, source);
      if (builtin && !channels[dataset]?.enabled) continue;
      // Plugins see their channel's rows whichever datasets are written: their state must not
      // depend on it (a state pass writes none).
      if (plugins.has(dataset)) {
        for (const out of plugins.process(dataset, list)) written += await this.putPluginRows(out);
        continue;
      }
      if (only && !only.has(dataset)) continue;
      const schema = this.schemaOf(dataset);
      if (!schema) {
        this.options.logger.warn('rows for a dataset without a schema were dropped', {
          dataset,
          rows: list.length,
        });
        continue;
      }
      written += await this.put(dataset, list, schema, coinbaseDatasetPartitions(channels, dataset, source));
    }
    return written;
  }

  /** End of input: what the plugin processors held back. */
  async flushPlugins(): Promise<number> {
    let written = 0;
    for (const out of this.options.plugins.flush()) written += await this.putPluginRows(out);
    return written;
  }

  /**
   * Finishes the open unit's files (unpublished: the caller commits them). The sessions stay the
   * unit's, so {@link abort} still removes their files if the commit does not happen.
   */
  async close(): Promise<{ dataset: string; file: WrittenFile }[]> {
    const written: { dataset: string; file: WrittenFile }[] = [];
    for (const [dataset, session] of this.sessions) {
      const result = await session.close();
      for (const file of result.files) written.push({ dataset, file });
    }
    return written;
  }

  /** The open unit's sessions, by dataset, for the caller to close; the next rows open new ones. */
  detach(): Map<string, WriteSession<Row>> {
    const sessions = new Map(this.sessions);
    this.sessions.clear();
    return sessions;
  }

  /** Aborts the open unit's sessions (nothing of it is published). */
  async abort(): Promise<void> {
    const sessions = this.detach();
    await Promise.all([...sessions.values()].map((s) => s.abort().catch(() => {})));
  }

  private putPluginRows(out: PluginRows): Promise<number> {
    const only = this.options.only;
    // A plugin's own dataset is written with its channel's (or when named itself).
    if (only && !only.has(out.dataset) && !only.has(out.channel)) return Promise.resolve(0);
    return this.put(out.dataset, out.rows, out.schema, out.partitionCols);
  }

  private schemaOf(dataset: string): Schema | undefined {
    // Asked once per dataset: processors build extended schemas anew each time.
    if (!this.schemas.has(dataset))
      this.schemas.set(dataset, coinbaseDatasetSchema(this.options.stateful, dataset, this.options.source));
    return this.schemas.get(dataset);
  }

  private async put(
    dataset: string,
    rows: readonly Row[],
    schema: Schema,
    partitionCols: readonly string[],
  ): Promise<number> {
    const kept = this.guard(dataset, partitionCols).filter(rows);
    if (!kept.length) return 0;
    await this.session(dataset, schema, partitionCols).write(kept);
    return kept.length;
  }

  private guard(dataset: string, partitionCols: readonly string[]): PartitionValueGuard {
    let guard = this.guards.get(dataset);
    if (!guard) {
      const dir = path.join(this.options.outRoot, dataset);
      this.guards.set(
        dataset,
        (guard = new PartitionValueGuard(partitionCols, dir, this.options.quarantine)),
      );
    }
    return guard;
  }

  private session(dataset: string, schema: Schema, partitionCols: readonly string[]): WriteSession<Row> {
    let session = this.sessions.get(dataset);
    if (!session) {
      const unit = this.unit;
      if (!unit) throw new Error('DatasetSink: startUnit() before the first write');
      session = this.options.writer.open({
        path: path.join(this.options.outRoot, dataset),
        schema,
        partitionCols,
        inputId: unit.inputId,
        deferPublish: true,
        metadata: { 'etl.source': unit.source, 'etl.dataset': dataset, ...unit.metadata },
      });
      this.sessions.set(dataset, session);
    }
    return session;
  }
}
