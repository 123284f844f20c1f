/**
 * The segment lifecycle: ready → processing → deleted (or done/), failures → failed/ with an
 * error report, never deleted. Leftovers of a crashed run are processed again at start.
 */
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type Logger, type ProcessorRegistry, silentLogger } from '@etl/core';
import type { ParquetCompression } from '@etl/writer-parquet';
import { writeFileAtomic } from './atomic-file.js';
import type { ChannelConfigMap } from './channel-config.js';
import { recoverOutput } from './segment-commit.js';
import { claimSegment, releaseSegment } from './segment-claim.js';
import { isSegmentFile, segmentDate } from './segment-id.js';
import { CoinbaseSegmentPipeline, type DatasetSummary, type SegmentResult } from './segment-pipeline.js';

export interface ETLJobOptions {
  /** Where closed segments wait, e.g. `data/raw/ready/coinbase`. */
  readonly inputDir: string;
  /** Output root; datasets land in `<outputDir>/coinbase/<dataset>`. */
  readonly outputDir: string;
  readonly source?: 'coinbase';
  /** Delete a segment once its output is committed (default true); otherwise move it to `done/`. */
  readonly deleteAfterProcessing?: boolean;
  readonly channelConfig?: ChannelConfigMap | Record<string, unknown>;
  readonly processingDir?: string;
  readonly doneDir?: string;
  readonly failedDir?: string;
  readonly compression?: ParquetCompression;
  readonly registry?: ProcessorRegistry;
  readonly logger?: Logger;
  readonly maxErrors?: number;
  /** Datasets to write (default: every enabled channel). */
  readonly channels?: readonly string[];
  /** Stop between segments when aborted (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: JobEvent) => void;
}

export type JobEvent =
  | { type: 'plan'; segments: readonly string[]; bytes: number }
  | { type: 'segment-start'; segment: string }
  | { type: 'segment-done'; segment: string; result: SegmentResult }
  | { type: 'segment-failed'; segment: string; error: string };

export interface JobSummary {
  segments: { processed: number; failed: number; skipped: number };
  datasets: Record<string, DatasetSummary>;
  quarantined_lines: number;
  lines: number;
  bytes_in: number;
  elapsed_s: number;
  failures: { segment: string; error: string }[];
}

/** Sibling directory of the input: `.../ready/coinbase` → `.../<stage>/coinbase`. */
export function stageDir(inputDir: string, stage: string): string {
  const parts = path.resolve(inputDir).split(path.sep);
  const i = parts.lastIndexOf('ready');
  if (i >= 0) {
    parts[i] = stage;
    return parts.join(path.sep) || path.sep;
  }
  return path.join(path.dirname(path.resolve(inputDir)), stage, path.basename(inputDir));
}

export class ETLJob {
  readonly inputDir: string;
  readonly processingDir: string;
  readonly doneDir: string;
  readonly failedDir: string;
  readonly pipeline: CoinbaseSegmentPipeline;
  private readonly logger: Logger;

  constructor(private readonly options: ETLJobOptions) {
    this.inputDir = options.inputDir;
    this.processingDir = options.processingDir ?? stageDir(options.inputDir, 'processing');
    this.doneDir = options.doneDir ?? stageDir(options.inputDir, 'done');
    this.failedDir = options.failedDir ?? stageDir(options.inputDir, 'failed');
    this.logger = options.logger ?? silentLogger;
    this.pipeline = new CoinbaseSegmentPipeline({
      outputDir: options.outputDir,
      ...(options.channelConfig ? { channelConfig: options.channelConfig } : {}),
      ...(options.compression ? { compression: options.compression } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.maxErrors !== undefined ? { maxErrors: options.maxErrors } : {}),
      logger: this.logger,
    });
  }

  processAll(): Promise<JobSummary> {
    return this.run(() => true);
  }

  processDate(date: string): Promise<JobSummary> {
    return this.run((d) => d === date);
  }

  /** Segments opened from `start` to `end`, both inclusive (`YYYY-MM-DD`). */
  processDateRange(start: string, end: string): Promise<JobSummary> {
    return this.run((d) => d !== undefined && d >= start && d <= end);
  }

  /** Processes segments as they appear until `signal` aborts; returns the total summary. */
  async watch(options: { pollIntervalMs?: number; signal?: AbortSignal } = {}): Promise<JobSummary> {
    const signal = options.signal ?? this.options.signal;
    const total = emptySummary();
    const started = Date.now();
    while (!signal?.aborted) {
      mergeSummary(total, await this.run(() => true, signal));
      if (signal?.aborted) break;
      await sleep(options.pollIntervalMs ?? 2000, signal);
    }
    total.elapsed_s = (Date.now() - started) / 1000;
    return total;
  }

  private async listSegments(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).filter(isSegmentFile).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async run(match: (date: string | undefined) => boolean, signal = this.options.signal): Promise<JobSummary> {
    const started = Date.now();
    const summary = emptySummary();
    await recoverOutput(this.pipeline.outRoot);
    const ready = await this.listSegments(this.inputDir);
    const leftovers = await this.listSegments(this.processingDir);
    const names = [...new Set([...leftovers, ...ready])].filter((n) => match(segmentDate(n) ?? undefined)).sort();
    this.options.onEvent?.({ type: 'plan', segments: names, bytes: 0 });
    for (const name of names) {
      if (signal?.aborted) break;
      const claimed = await claimSegment(this.inputDir, this.processingDir, name);
      if (!claimed) {
        summary.segments.skipped++;
        continue;
      }
      this.options.onEvent?.({ type: 'segment-start', segment: name });
      try {
        const result = await this.pipeline.processSegment(claimed, this.options.channels ? { channels: this.options.channels } : {});
        await this.finish(claimed, name);
        summary.segments.processed++;
        summary.quarantined_lines += result.quarantinedLines;
        summary.lines += result.lines;
        summary.bytes_in += result.bytesIn;
        for (const [d, s] of Object.entries(result.datasets)) addDataset(summary.datasets, d, s);
        this.logger.info('segment processed', { segment: name, quarantined: result.quarantinedLines });
        this.options.onEvent?.({ type: 'segment-done', segment: name, result });
      } catch (error) {
        const message = errorMessage(error);
        summary.segments.failed++;
        summary.failures.push({ segment: name, error: message });
        await this.fail(claimed, name, error);
        this.logger.error('segment failed', { segment: name, error: message });
        this.options.onEvent?.({ type: 'segment-failed', segment: name, error: message });
      } finally {
        await releaseSegment(this.processingDir, name);
      }
    }
    summary.elapsed_s = (Date.now() - started) / 1000;
    return summary;
  }

  private async finish(file: string, name: string): Promise<void> {
    if (this.options.deleteAfterProcessing ?? true) {
      await unlink(file);
      return;
    }
    await mkdir(this.doneDir, { recursive: true });
    await rename(file, path.join(this.doneDir, name));
  }

  private async fail(file: string, name: string, error: unknown): Promise<void> {
    await mkdir(this.failedDir, { recursive: true });
    await rename(file, path.join(this.failedDir, name));
    const report = {
      segment: name,
      failed_at: new Date().toISOString(),
      error: errorMessage(error),
      code: (error as { code?: unknown }).code ?? null,
      stack: error instanceof Error ? error.stack : undefined,
    };
    await writeFileAtomic(path.join(this.failedDir, `${name}.error.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
}

function emptySummary(): JobSummary {
  return {
    segments: { processed: 0, failed: 0, skipped: 0 },
    datasets: {},
    quarantined_lines: 0,
    lines: 0,
    bytes_in: 0,
    elapsed_s: 0,
    failures: [],
  };
}

function addDataset(into: Record<string, DatasetSummary>, dataset: string, s: DatasetSummary): void {
  const d = (into[dataset] ??= { rows: 0, files: 0, bytes: 0 });
  d.rows += s.rows;
  d.files += s.files;
  d.bytes += s.bytes;
}

function mergeSummary(into: JobSummary, s: JobSummary): void {
  into.segments.processed += s.segments.processed;
  into.segments.failed += s.segments.failed;
  into.segments.skipped += s.segments.skipped;
  into.quarantined_lines += s.quarantined_lines;
  into.lines += s.lines;
  into.bytes_in += s.bytes_in;
  into.failures.push(...s.failures);
  for (const [d, v] of Object.entries(s.datasets)) addDataset(into.datasets, d, v);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
