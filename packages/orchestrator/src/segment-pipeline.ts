/**
 * Processes one Coinbase segment into every channel's dataset in a single pass: the segment is
 * read and parsed once, one processor chain keeps the books and cross-channel state in wire order,
 * and rows are routed by channel to one writer session per dataset. Output is committed
 * all-or-nothing per segment (see segment-commit.ts).
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  EtlError,
  type Logger,
  type ProcessorRegistry,
  type Source,
  type Stats,
  silentLogger,
  type WrittenFile,
} from '@etl/core';
import { DEFAULT_COMPRESSION, type ParquetCompression, ParquetWriter } from '@etl/writer-parquet';
import { type ChannelConfigMap, type ResolvedChannels, resolveChannelConfig } from './channel-config.js';
import { CheckpointStore } from './checkpoint-store.js';
import { type CoinbaseSource, isChannelDataset } from './coinbase-chain.js';
import { committedManifest, datasetCounts, NO_STATS, settingsFingerprint } from './committed-segment.js';
import { ConversionRunner, checkPluginConfig } from './conversion-runner.js';
import { assertInputUnchanged, assertSameInput, InputHasher, inputStat } from './input-identity.js';
import { inputNameLogger } from './input-name-logger.js';
import { storageId } from './name-budget.js';
import { exactLinesOf } from './quarantine-lines.js';
import { QuarantineSpool } from './quarantine-spool.js';
import {
  commitSegment,
  manifestPath,
  readManifest,
  type SegmentManifest,
  SegmentPublishError,
} from './segment-commit.js';
import { segmentId } from './segment-id.js';
import { segmentReader } from './segment-reader.js';
import { FeedSniffer, judgeSegment, type SegmentVerdict } from './segment-verdict.js';
import { resolveSource } from './sources.js';

export type { CoinbaseSource } from './coinbase-chain.js';

export interface CoinbaseSegmentPipelineOptions {
  /** Root of the output; datasets land in `<outputDir>/coinbase/<dataset>/`. */
  readonly outputDir: string;
  /** Which feed the segments hold: a built-in source's name (default 'coinbase') or a `defineSource` value. */
  readonly source?: CoinbaseSource;
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
  /** Largest quarantine file of one segment, in bytes (default 64 MiB); more fails the segment. */
  readonly quarantineLimitBytes?: number;
  /** Threads that read and scan lines (default 1; see segment-reader.ts). */
  readonly threads?: number;
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
  /** Rows rejected after parsing (by the writer's schema check or the partition value check). */
  readonly quarantinedRows?: number;
  readonly lines: number;
  readonly bytesIn: number;
  readonly manifest: SegmentManifest;
  /** True when the segment's output was already committed and it was not converted again. */
  readonly resumed?: boolean;
  /**
   * Why the input must be kept (in done/) rather than deleted: lines of datasets this run does not
   * write are in it. Absent when everything it held is in the output.
   */
  readonly keepInput?: string;
  /** Data lines not converted because their dataset is not written, by channel (or Exchange type). */
  readonly skippedLines?: Readonly<Record<string, number>>;
  readonly stats: { readonly reader: Stats; readonly chain: Stats; readonly writer: Stats };
}

export interface ProcessSegmentOptions {
  /** Datasets to write (default: every enabled one). */
  readonly channels?: readonly string[];
  /** Aborting rolls the segment back at the next batch (until its commit point). */
  readonly signal?: AbortSignal;
  /** Only finish a segment whose output was committed from the same file and settings. */
  readonly resume?: boolean;
  /** The input as the user named it (e.g. its ready/ path) for the quarantine and messages; default `file`. */
  readonly inputName?: string;
}

export const SOURCE = 'coinbase';

export class CoinbaseSegmentPipeline {
  readonly outputDir: string;
  readonly outRoot: string;
  readonly channels: ResolvedChannels;
  /** What the segments hold: datasets, parser and processors (see `defineSource`). */
  readonly source: Source;
  private readonly logger: Logger;

  constructor(private readonly options: CoinbaseSegmentPipelineOptions) {
    this.outputDir = options.outputDir;
    this.source = resolveSource(options.source);
    this.outRoot = path.join(options.outputDir, this.source.directory);
    this.channels = resolveChannelConfig(options.channelConfig ?? {}, undefined, this.source);
    this.logger = options.logger ?? silentLogger;
    // Creating the plugin processors once checks every `processors` entry now: a misspelt name is
    // a config error at start, not a failure of every segment (which would move them to failed/).
    checkPluginConfig(this.channels, options.registry, this.logger, this.source);
  }

  /**
   * Processes one segment; `channels` limits which datasets are written. `signal` stops it between
   * batches and rolls it back (an `E_ABORTED` error); once the commit point is passed it finishes.
   * With `resume`, a segment whose output was committed from this very file with the same settings
   * is only finished, not converted again.
   */
  async processSegment(file: string, opts: ProcessSegmentOptions = {}): Promise<SegmentResult> {
    const inputId = storageId(segmentId(file));
    const segment = path.basename(file);
    const only = opts.channels ? new Set(opts.channels) : undefined;
    const enabled = (d: string) => this.channels[d]?.enabled === true && (!only || only.has(d));
    const info = await inputStat(file);
    const config = settingsFingerprint({
      source: this.source.name,
      channels: this.channels,
      only: opts.channels ? [...opts.channels].sort() : null,
      compression: this.options.compression ?? DEFAULT_COMPRESSION,
      rowGroupSize: this.options.rowGroupSize ?? null,
      maxRowsPerFile: this.options.maxRowsPerFile ?? null,
      checkpoints: this.options.checkpoints !== false,
    });
    // Another file under this id, or this name with other content: refused before any work.
    const previous = await readManifest(manifestPath(this.outRoot, inputId));
    assertSameInput(previous, segment, { bytes: info.bytes });
    if (opts.resume) {
      const done = await committedManifest(
        this.outRoot,
        inputId,
        previous,
        { bytes: info.bytes, mtimeMs: info.mtimeMs, segment },
        config,
        this.options.checkpoints !== false,
        this.logger,
      );
      if (done) return this.resumedResult(file, inputId, done);
    }
    const inputName = opts.inputName ?? file;
    // Reader, parser and writer warnings name the user's file, not its processing/ path.
    const logger = inputNameLogger(this.logger, file, inputName);
    const quarantine = new QuarantineSpool(
      path.join(this.outRoot, '_quarantine', `${inputId}.ndjson`),
      file,
      {
        inputName,
        ...(this.options.quarantineLimitBytes !== undefined
          ? { limitBytes: this.options.quarantineLimitBytes }
          : {}),
      },
    );
    const sniffer = new FeedSniffer();
    const hasher = new InputHasher();
    const reader = segmentReader(file, info.bytes, {
      threads: this.options.threads ?? 1,
      // Scan workers know the Advanced Trade scanner's frames only.
      scanInWorkers: this.source.name === 'coinbase',
      quarantine,
      hasher,
      logger,
      // The source's fast path (Advanced Trade: l2_data lines skip JSON.parse).
      ...(this.source.lineParser ? { lineParser: this.source.lineParser() } : {}),
      ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
      ...(this.options.maxErrors !== undefined ? { maxErrors: this.options.maxErrors } : {}),
    });
    const writer = new ParquetWriter({
      compression: this.options.compression ?? DEFAULT_COMPRESSION,
      logger,
      // A row that does not fit its schema is set aside, not fatal for the whole segment.
      quarantine,
      ...(this.options.rowGroupSize ? { rowGroupSize: this.options.rowGroupSize } : {}),
      ...(this.options.maxRowsPerFile ? { maxRowsPerFile: this.options.maxRowsPerFile } : {}),
    });
    const runner = new ConversionRunner({
      outRoot: this.outRoot,
      channels: this.channels,
      source: this.source,
      registry: this.options.registry,
      writer,
      quarantine,
      only,
      logger,
    });
    const checkpoints =
      this.options.checkpoints === false
        ? undefined
        : new CheckpointStore(path.join(this.outRoot, '_state', 'checkpoints'));
    if (checkpoints) {
      const stored = await checkpoints.loadBefore(inputId);
      if (stored) runner.restore(stored.state, this.logger);
    }
    runner.startUnit({
      inputId,
      source: this.source.name,
      metadata: { 'etl.segment': path.basename(file) },
    });

    let checkpointTemp: string | undefined;
    try {
      for await (const batch of reader.read(file)) {
        if (opts.signal?.aborted)
          throw new EtlError(`${file}: interrupted; the segment was rolled back`, 'E_ABORTED');
        sniffer.observe(batch);
        await runner.process(batch);
        await quarantine.flush();
      }
      await runner.finishInput();
      const written = await runner.close();
      // Throws (nothing committed, the input goes to failed/) when the segment must not be deleted.
      // No dataset selected (a state pass, segment-state-pass.ts) writes nothing on purpose.
      const verdict: SegmentVerdict =
        only?.size === 0
          ? { kind: 'delete' }
          : this.judge(inputName, reader.stats(), runner.stats(), quarantine, written, sniffer, enabled);
      // The quarantine file and the state after the segment are committed with its output.
      const side: { kind: string; path: string; tempPath: string }[] = [];
      const quarantineTemp = await quarantine.finish(exactLinesOf(file));
      if (quarantineTemp) side.push({ kind: 'quarantine', path: quarantine.file, tempPath: quarantineTemp });
      if (checkpoints) {
        const saved = await checkpoints.saveTemporary(inputId, runner.checkpoint());
        checkpointTemp = saved.tempPath;
        side.push({ kind: 'checkpoint', ...saved });
      }
      if (opts.signal?.aborted)
        throw new EtlError(`${file}: interrupted; the segment was rolled back`, 'E_ABORTED');
      const readerStats = reader.stats();
      await assertInputUnchanged(file, info, hasher.bytes);
      const sha256 = hasher.digest();
      const manifest = await commitSegment(
        this.outRoot,
        path.basename(file),
        inputId,
        written,
        quarantine.lineCount,
        {
          side,
          input: { bytes: info.bytes, mtimeMs: info.mtimeMs, lines: readerStats.recordsIn, sha256 },
          checkPrevious: (previous) => assertSameInput(previous, segment, { bytes: info.bytes, sha256 }),
          config,
          quarantinedRows: quarantine.rowCount,
          ...(verdict.kind === 'keep'
            ? { skippedLines: verdict.skippedLines, keepInput: verdict.reason }
            : {}),
          logger: this.logger,
        },
      );
      const datasets: Record<string, DatasetSummary> = {};
      for (const { dataset, file: f } of written) {
        const d = (datasets[dataset] ??= { rows: 0, files: 0, bytes: 0 });
        d.rows += f.rows;
        d.files += 1;
        d.bytes += f.bytes;
      }
      return {
        segment: path.basename(file),
        inputId,
        datasets,
        quarantinedLines: quarantine.lineCount,
        quarantinedRows: quarantine.rowCount,
        lines: readerStats.recordsIn,
        bytesIn: readerStats.bytesIn,
        manifest,
        ...(verdict.kind === 'keep' ? { keepInput: verdict.reason, skippedLines: verdict.skippedLines } : {}),
        stats: { reader: readerStats, chain: runner.stats(), writer: writer.stats() },
      };
    } catch (error) {
      // Past the commit point the temporaries belong to the manifest: recovery publishes them.
      if (error instanceof SegmentPublishError) throw error;
      await runner.abort();
      await quarantine.discard();
      if (checkpointTemp) await unlink(checkpointTemp).catch(() => {});
      throw error;
    }
  }

  private resumedResult(file: string, inputId: string, manifest: SegmentManifest): SegmentResult {
    this.logger.info('segment output already committed; not converted again', {
      segment: path.basename(file),
    });
    return {
      segment: path.basename(file),
      inputId,
      datasets: datasetCounts(manifest),
      quarantinedLines: manifest.quarantinedLines,
      quarantinedRows: manifest.quarantinedRows ?? 0,
      lines: manifest.input?.lines ?? 0,
      bytesIn: manifest.input?.bytes ?? 0,
      manifest,
      resumed: true,
      ...(manifest.keepInput
        ? { keepInput: manifest.keepInput, skippedLines: manifest.skippedLines ?? {} }
        : {}),
      stats: NO_STATS,
    };
  }

  /** What may happen to the input once the output is committed (see segment-verdict.ts). */
  private judge(
    input: string,
    readerStats: Stats,
    chainStats: Stats,
    quarantine: QuarantineSpool,
    written: readonly { dataset: string; file: WrittenFile }[],
    sniffer: FeedSniffer,
    enabled: (d: string) => boolean,
  ): SegmentVerdict {
    const messages: Record<string, number> = {};
    // The feed parser is the chain's first stage; it counts accepted messages as `messages:<name>`.
    for (const [key, n] of Object.entries(chainStats.stages?.[0]?.counters ?? {}))
      if (key.startsWith('messages:')) messages[key.slice('messages:'.length)] = n;
    const rowsWritten: Record<string, number> = {};
    for (const { dataset, file: f } of written) rowsWritten[dataset] = (rowsWritten[dataset] ?? 0) + f.rows;
    return judgeSegment({
      input,
      source: this.source,
      lines: readerStats.recordsIn,
      quarantinedLines: quarantine.lineCount,
      cutLines: quarantine.cutLineCount,
      firstCutLine: quarantine.firstCutLineNumber,
      messages,
      rowsWritten,
      written: (d) => isChannelDataset(d, this.source) && enabled(d),
      feed: sniffer.feed,
    });
  }
}
