/**
 * The live counterpart of the segment pipeline: records from a never-ending source (the JetStream
 * reader) run through the same Coinbase chain, order books stay live, rows go to rolling Parquet
 * files, and feature rows go to a callback as each batch is processed.
 *
 * Exactly-once across restarts: output is committed in rolls. A roll closes on time or row count;
 * its files are finished under temporary names, then the processors' state and the input position
 * (the `line` of the last record, i.e. the stream sequence) are saved, then the roll's manifest is
 * written (the commit point, as for a segment) and the files are renamed into place. On start the
 * latest roll whose manifest exists gives the state to restore and the position to resume after;
 * uncommitted temporaries are removed. Every closed file is complete and readable; nothing of an
 * uncommitted roll is ever visible.
 */
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  type Logger,
  type ProcessorRegistry,
  type QuarantineEntry,
  type QuarantineSink,
  type Row,
  type SourceRecord,
  type Stats,
  silentLogger,
  type WriteResult,
  type WrittenFile,
} from '@etl/core';
import { DEFAULT_COMPRESSION, ParquetWriter, type ParquetWriterOptions } from '@etl/writer-parquet';
import { type ChannelConfigMap, type ResolvedChannels, resolveChannelConfig } from './channel-config.js';
import { CheckpointStore } from './checkpoint-store.js';
import { ConversionRunner } from './conversion-runner.js';
import { LiveFeatures, type LiveFeaturesOptions } from './live-features.js';
import { QuarantineCollector } from './quarantine-file.js';
import { commitSegment, manifestPath, readManifest, recoverOutput } from './segment-commit.js';
import type { DatasetSummary } from './segment-pipeline.js';

export interface CoinbaseStreamPipelineOptions {
  /** Root of the output; datasets land in `<outputDir>/coinbase/<dataset>/`. */
  readonly outputDir: string;
  readonly channelConfig?: ChannelConfigMap | Record<string, unknown>;
  /** Datasets to write (default: every enabled channel and the side datasets). */
  readonly channels?: readonly string[];
  readonly compression?: ParquetWriterOptions['compression'];
  /** Name of this job: its state lives in `<output>/coinbase/_state/stream/<name>/` (default `etl-stream`). */
  readonly name?: string;
  /** A roll (and its files) closes this many ms after its first record (default 60 000). */
  readonly rollIntervalMs?: number;
  /** ...or once it holds this many rows over all datasets (default 1 000 000). */
  readonly rollRows?: number;
  readonly rowGroupSize?: number;
  /** Live feature options; `false` computes none. */
  readonly features?: LiveFeaturesOptions | false;
  /** Processors that channel configs may name (plugins). */
  readonly registry?: ProcessorRegistry;
  readonly logger?: Logger;
}

export interface StreamCommit {
  readonly inputId: string;
  /** `line` of the last record committed (the stream sequence on the live bus). */
  readonly position: number;
  readonly records: number;
  readonly datasets: Readonly<Record<string, DatasetSummary>>;
}

export interface StreamRunOptions {
  /** Stops at the next batch boundary; the open roll is committed. */
  readonly signal?: AbortSignal;
  /** Feature rows of each batch, before its rows are written (lowest latency). */
  readonly onFeatures?: (features: Row[]) => void;
  /** After each commit, e.g. to acknowledge the input up to `position`. */
  readonly onCommit?: (commit: StreamCommit) => void | Promise<void>;
}

export interface StreamSummary {
  readonly commits: number;
  readonly records: number;
  /** Position after the last commit (0 when nothing was ever committed). */
  readonly position: number;
  readonly resumedFrom: number;
  readonly datasets: Readonly<Record<string, DatasetSummary>>;
  readonly features: number;
  readonly quarantinedLines: number;
  readonly elapsedS: number;
  readonly stats: { readonly chain: Stats; readonly writer: Stats; readonly features?: Stats };
}

interface ClosedRoll {
  readonly inputId: string;
  readonly closing: readonly { readonly dataset: string; readonly result: Promise<WriteResult> }[];
  readonly quarantine: QuarantineCollector;
  /** Input and record range, for the manifest. */
  readonly source: string;
  readonly records: number;
  readonly state: StreamState;
}

interface StreamState {
  readonly position: number;
  readonly chain: unknown;
  readonly features: unknown;
}

const STATE_KEPT = 3;

function runStamp(date: Date): string {
  // 20260809T210548123: sorts by time, so the latest roll of all runs sorts last.
  return date.toISOString().replace(/[-:.Z]/g, '');
}

export class CoinbaseStreamPipeline {
  readonly outRoot: string;
  readonly channels: ResolvedChannels;
  readonly name: string;
  private readonly logger: Logger;
  private readonly only: ReadonlySet<string> | undefined;
  private readonly rollIntervalMs: number;
  private readonly rollRows: number;
  private readonly features: LiveFeatures | undefined;
  private readonly writer: ParquetWriter;
  private readonly store: CheckpointStore;
  private readonly runId = runStamp(new Date());
  private resumed: number | undefined;
  private rollSeq = 0;
  private rollId = '';
  private rollStartedAt = 0;
  private rollRecords = 0;
  private rollRowCount = 0;
  private rollFirst = 0;
  private rollQuarantine = new QuarantineCollector();
  private readonly runner: ConversionRunner;
  private position = 0;
  private committedPosition = 0;
  private commitInFlight: Promise<void> | undefined;
  private commitFailure: unknown;
  private inputName = '';
  private commits = 0;
  private records = 0;
  private featureRows = 0;
  private quarantinedLines = 0;
  private readonly totals: Record<string, DatasetSummary> = {};
  /** Forwards to the open roll's collector, so bad records land in that roll's quarantine file. */
  readonly quarantine: QuarantineSink = {
    put: (entry: QuarantineEntry): void => this.rollQuarantine.put(entry),
  };

  constructor(options: CoinbaseStreamPipelineOptions) {
    this.outRoot = path.join(options.outputDir, 'coinbase');
    this.channels = resolveChannelConfig(options.channelConfig ?? {});
    this.name = options.name ?? 'etl-stream';
    this.logger = options.logger ?? silentLogger;
    this.only = options.channels ? new Set(options.channels) : undefined;
    this.rollIntervalMs = options.rollIntervalMs ?? 60_000;
    this.rollRows = options.rollRows ?? 1_000_000;
    this.features = options.features === false ? undefined : new LiveFeatures(options.features ?? {});
    this.writer = new ParquetWriter({
      compression: options.compression ?? DEFAULT_COMPRESSION,
      logger: this.logger,
      // A row that does not fit its schema goes to the roll's quarantine, as in a segment.
      quarantine: this.quarantine,
      ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
    });
    this.runner = new ConversionRunner({
      outRoot: this.outRoot,
      channels: this.channels,
      registry: options.registry,
      writer: this.writer,
      quarantine: this.quarantine,
      only: this.only,
      logger: this.logger,
      messagesEndAtBatchEnd: true,
    });
    this.store = new CheckpointStore(path.join(this.outRoot, '_state', 'stream', this.name));
  }

  /**
   * Finishes or removes what a crashed run left, restores the state of the latest committed roll
   * and returns its position (0 when there is none): the source should start right after it.
   */
  async resume(): Promise<number> {
    if (this.resumed !== undefined) return this.resumed;
    const recovery = await recoverOutput(this.outRoot);
    if (recovery.rolledForward || recovery.tempFilesRemoved)
      this.logger.info('recovered output of an earlier run', { ...recovery });
    for (;;) {
      const stored = await this.store.loadBefore('\uffff');
      if (!stored) break;
      if (await readManifest(manifestPath(this.outRoot, stored.segment))) {
        const state = stored.state as StreamState;
        this.runner.restore(state.chain);
        this.features?.restore(state.features);
        this.position = state.position;
        this.committedPosition = state.position;
        this.logger.info('resuming live stream after its last commit', {
          roll: stored.segment,
          position: state.position,
        });
        break;
      }
      // Saved just before a commit that never happened: not part of the output.
      await unlink(path.join(this.store.dir, `${stored.segment}.json`));
    }
    this.resumed = this.position;
    return this.position;
  }

  /** Processes batches until the source ends or `signal` aborts, committing rolls as it goes. */
  async run(
    batches: AsyncIterable<readonly SourceRecord[]>,
    options: StreamRunOptions = {},
  ): Promise<StreamSummary> {
    const resumedFrom = await this.resume();
    const started = performance.now();
    try {
      for await (const batch of batches) {
        if (this.commitFailure !== undefined) throw this.commitFailure;
        if (batch.length > 0) await this.processBatch(batch, options);
        if (this.rollRecords > 0 && this.rollDue()) await this.commit(options);
        if (options.signal?.aborted) break;
      }
      if (this.rollRecords > 0) await this.commit(options);
      await this.settleCommits();
    } catch (error) {
      // A commit in flight still finishes (it is complete); only the open roll is dropped.
      if (this.commitInFlight) await this.commitInFlight;
      await this.abortRoll();
      throw error;
    }
    return {
      commits: this.commits,
      records: this.records,
      position: this.committedPosition,
      resumedFrom,
      datasets: structuredClone(this.totals),
      features: this.featureRows,
      quarantinedLines: this.quarantinedLines,
      elapsedS: (performance.now() - started) / 1000,
      stats: {
        chain: this.runner.stats(),
        writer: this.writer.stats(),
        ...(this.features ? { features: this.features.stats() } : {}),
      },
    };
  }

  private rollDue(): boolean {
    return (
      this.rollRowCount >= this.rollRows || performance.now() - this.rollStartedAt >= this.rollIntervalMs
    );
  }

  private async processBatch(batch: readonly SourceRecord[], options: StreamRunOptions): Promise<void> {
    if (this.rollRecords === 0) {
      this.rollId = `stream-${this.runId}-${String(++this.rollSeq).padStart(6, '0')}`;
      this.rollStartedAt = performance.now();
      this.rollFirst = batch[0]!.line;
      this.inputName = batch[0]!.file;
      this.runner.startUnit({
        inputId: this.rollId,
        source: 'coinbase',
        metadata: { 'etl.stream': this.inputName, 'etl.roll': this.rollId },
      });
    }
    const features = this.features;
    this.rollRowCount += await this.runner.process(
      batch,
      features &&
        ((rows) => {
          const out = features.update(rows);
          if (out.length > 0) {
            this.featureRows += out.length;
            options.onFeatures?.(out);
          }
        }),
    );
    this.rollRecords += batch.length;
    this.records += batch.length;
    this.position = batch[batch.length - 1]!.line;
  }

  /**
   * Closes the open roll. What must reflect the roll boundary (its sessions, the processors'
   * state, the position) is taken now; finishing the files, saving the state and writing the
   * manifest go on in the background while the next batches are processed, so features do not
   * stall on disk work. One commit at most is in flight, and commits finish in order.
   */
  private async commit(options: StreamRunOptions): Promise<void> {
    if (this.commitInFlight) await this.commitInFlight;
    const roll: ClosedRoll = {
      inputId: this.rollId,
      closing: [...this.runner.detach()].map(([dataset, session]) => ({ dataset, result: session.close() })),
      quarantine: this.rollQuarantine,
      source: `${this.inputName}#${this.rollFirst}-${this.position}`,
      records: this.rollRecords,
      state: {
        position: this.position,
        chain: this.runner.checkpoint(),
        features: this.features ? this.features.checkpoint() : null,
      },
    };
    // Closing sessions settle later; a failure is reported by finishCommit, not as unhandled.
    for (const c of roll.closing) c.result.catch(() => undefined);
    this.rollQuarantine = new QuarantineCollector();
    this.rollRecords = 0;
    this.rollRowCount = 0;
    const finishing = this.finishCommit(roll, options);
    this.commitInFlight = finishing.then(
      () => {
        this.commitInFlight = undefined;
      },
      (error: unknown) => {
        this.commitInFlight = undefined;
        this.commitFailure ??= error;
      },
    );
  }

  /** Waits for the commit in flight; rethrows its failure. */
  private async settleCommits(): Promise<void> {
    if (this.commitInFlight) await this.commitInFlight;
    if (this.commitFailure !== undefined) throw this.commitFailure;
  }

  private async finishCommit(roll: ClosedRoll, options: StreamRunOptions): Promise<void> {
    const started = performance.now();
    const written: { dataset: string; file: WrittenFile }[] = [];
    for (const { dataset, result } of roll.closing) {
      for (const file of (await result).files) written.push({ dataset, file });
    }
    const quarantine = roll.quarantine;
    if (quarantine.lineCount > 0)
      await quarantine.writeTo(path.join(this.outRoot, '_quarantine', `${roll.inputId}.ndjson`));
    await this.store.save(roll.inputId, roll.state);
    await commitSegment(this.outRoot, roll.source, roll.inputId, written, quarantine.lineCount);
    const datasets: Record<string, DatasetSummary> = {};
    for (const { dataset, file } of written) {
      for (const target of [datasets, this.totals]) {
        const d = (target[dataset] ??= { rows: 0, files: 0, bytes: 0 });
        d.rows += file.rows;
        d.files += 1;
        d.bytes += file.bytes;
      }
    }
    const position = roll.state.position;
    const commit: StreamCommit = { inputId: roll.inputId, position, records: roll.records, datasets };
    this.commits++;
    this.committedPosition = position;
    this.quarantinedLines += quarantine.lineCount;
    this.logger.debug('committed roll', {
      roll: roll.inputId,
      position,
      records: roll.records,
      ms: Math.round(performance.now() - started),
    });
    await this.pruneState();
    await options.onCommit?.(commit);
  }

  private async abortRoll(): Promise<void> {
    await this.runner.abort();
  }

  /** Keeps the state of the last few rolls only (the latest is all a restart needs). */
  private async pruneState(): Promise<void> {
    const names = (await readdir(this.store.dir).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .sort();
    for (const n of names.slice(0, Math.max(0, names.length - STATE_KEPT))) {
      await unlink(path.join(this.store.dir, n)).catch(() => {});
    }
  }
}
