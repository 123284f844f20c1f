import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogLevel } from '@etl/core';
import { ConsoleLogger, type LogFormat } from '@etl/core/internal';
import { ETLJob, type JobSummary, loadPlugins } from '@etl/orchestrator';
import { checkChannels } from '../channel-options.js';
import type { Flags } from '../command-spec.js';
import { type EtlConfig, loadConfig, maxErrorsOf, maxErrorsWording } from '../config.js';
import { datasetTable, formatBytes, formatCount, toJson } from '../format.js';
import { ProgressBar } from '../progress.js';
import { chooseSource } from '../source-choice.js';
import {
  checkInputDir,
  checkOutputDir,
  parseChannels,
  parseSelection,
  warnUnsupported,
} from '../usage-checks.js';
import { UsageError } from '../usage-error.js';
import { runOnObjectStorage, usesObjectStorage } from './run-object-storage.js';

export interface RunFlags {
  input?: string;
  output?: string;
  config?: string;
  mode?: string;
  date?: string;
  'start-date'?: string;
  'end-date'?: string;
  channels?: string;
  source?: string;
  'max-errors'?: string;
  threads?: string;
  'keep-input'?: boolean;
  'in-place'?: boolean;
  json?: boolean;
  quiet?: boolean;
  'log-format'?: string;
  'log-level'?: string;
  'poll-interval'?: string;
  settle?: string;
  /** `watch`: also compact closed dates. */
  compact?: boolean;
}

/** What `createJob` built, and what the command reports besides the job's summary. */
export interface CreatedJob {
  readonly job: ETLJob;
  readonly progress: ProgressBar | undefined;
  readonly logger: ConsoleLogger;
  readonly output: string;
  /** Files in the input the ETL cannot read, named in a warning, left where they are. */
  readonly unsupported: string[];
  /** `maxErrors=N` in a failure worded as the user wrote it (`--max-errors N`, `etl.max_errors=N`). */
  readonly reword: (text: string) => string;
}

/** `--threads N`: a whole number from 1 to 64 (1 when not given). */
function threadsOf(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64)
    throw new UsageError(`--threads must be a whole number from 1 to 64, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Builds the job from flags and config (flags win). Shared by `run` and `watch`. Every usage
 * mistake is found here, before the job claims a segment: exit 2 with nothing touched.
 */
export async function createJob(
  given: RunFlags | Flags,
  io: { stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
  options: {
    progress?: boolean;
    /** `watch`: the input directory may appear later (a warning says it is awaited). */
    inputMayBeMissing?: boolean;
    jobOptions?: Readonly<Record<string, unknown>>;
  } = {},
): Promise<CreatedJob> {
  const flags = given as RunFlags;
  const logFormat = (flags['log-format'] ?? 'text') as LogFormat;
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError('--log-format must be text or json');
  const logLevel = (flags['log-level'] ?? (flags.quiet ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new UsageError('--log-level must be debug, info, warn or error');
  const config: Partial<EtlConfig> & Pick<EtlConfig, 'plugins' | 'baseDir'> = flags.config
    ? await loadConfig(flags.config, flags.source)
    : { plugins: [], baseDir: process.cwd() };
  const input = flags.input ? path.resolve(flags.input) : config.inputDir;
  const output = flags.output ? path.resolve(flags.output) : config.outputDir;
  if (!input) throw new UsageError('--input <ready-dir> is required (or etl.input_dir in --config)');
  if (!output) throw new UsageError('--output <processed-dir> is required (or etl.output_dir in --config)');
  const inputExists = await checkInputDir(
    input,
    flags.input ? '--input' : 'etl.input_dir',
    options.inputMayBeMissing,
  );
  await checkOutputDir(output, flags.output ? '--output' : 'etl.output_dir');
  const source = await chooseSource(flags.source, config.source, config.baseDir);
  // A source package's channel config is checked against its own declaration (built-ins: at load).
  if (config.channels && typeof source !== 'string')
    config.channels = checkChannels(config.channels, 'etl.channels', source);
  const channels = parseChannels(flags.channels, config.channels, source);
  const maxErrors = maxErrorsOf(flags['max-errors'], config.maxErrors);
  const threads = threadsOf(flags.threads);
  const inPlace = flags['in-place'] === true;
  if (inPlace && flags['keep-input'])
    throw new UsageError('--in-place leaves the input where it is; --keep-input moves it to done/: give one');
  const reword = maxErrorsWording(maxErrors?.key);
  // The bar only where a person watches: a terminal, text logs, no --json/--quiet.
  const showProgress =
    options.progress !== false &&
    !flags.json &&
    !flags.quiet &&
    io.stderr.isTTY === true &&
    logFormat === 'text';
  const progress = showProgress ? new ProgressBar(io.stderr) : undefined;
  const logger = new ConsoleLogger(logFormat, logLevel, io.stderr, {
    beforeWrite: () => progress?.clear(),
    reword,
  });
  const registry = config.plugins.length ? await loadPlugins(config.plugins, config.baseDir) : undefined;
  if (!inputExists)
    logger.warn('the input directory does not exist yet: waiting for it to appear', { input });
  const unsupported = await warnUnsupported(input, logger);
  const c = config;
  const sizes = new Map<string, number>();
  const job = new ETLJob({
    inputDir: input,
    outputDir: output,
    deleteAfterProcessing: flags['keep-input'] ? false : (c.deleteAfterProcessing ?? true),
    // Read-only archives: nothing is moved, deleted or written in --input.
    ...(inPlace ? { inPlace: true } : {}),
    ...(c.channels ? { channelConfig: c.channels } : {}),
    ...(c.compression ? { compression: c.compression } : {}),
    source,
    ...(c.processingDir ? { processingDir: c.processingDir } : {}),
    ...(c.doneDir ? { doneDir: c.doneDir } : {}),
    ...(c.failedDir ? { failedDir: c.failedDir } : {}),
    ...(maxErrors ? { maxErrors: maxErrors.value } : {}),
    ...(threads > 1 ? { threads } : {}),
    ...(registry ? { registry } : {}),
    ...(channels?.length ? { channels } : {}),
    // Options of ETLJob another branch adds (`settleMs` from watch): passed through.
    ...(options.jobOptions as object | undefined),
    logger,
    signal,
    ...(rollbackSignal ? { rollbackSignal } : {}),
    onEvent: (event) => {
      if (event.type === 'plan') {
        if (!progress) return;
        void Promise.all(
          event.segments.map(async (s) => {
            // A leftover of a crashed run waits in processing/, not in ready/.
            const size = await stat(path.join(input, s)).then(
              (st) => st.size,
              () =>
                stat(path.join(job.processingDir, s)).then(
                  (st) => st.size,
                  () => 0,
                ),
            );
            sizes.set(s, size);
            return size;
          }),
        ).then((all) =>
          progress.plan(
            event.segments.length,
            all.reduce((a, b) => a + b, 0),
          ),
        );
      } else if (event.type === 'segment-start') progress?.start(event.segment);
      else if (event.type === 'segment-done') {
        const rows = Object.values(event.result.datasets).reduce((n, d) => n + d.rows, 0);
        progress?.done(sizes.get(event.segment) ?? event.result.bytesIn, rows);
      } else if (event.type === 'segment-failed') progress?.failed(sizes.get(event.segment) ?? 0);
    },
  });
  return { job, progress, logger, output, unsupported, reword };
}

/** The summary with each failure worded for the user (see {@link CreatedJob.reword}). */
export function reworded(summary: JobSummary, reword: (text: string) => string): JobSummary {
  return { ...summary, failures: summary.failures.map((f) => ({ ...f, error: reword(f.error) })) };
}

/** The JSON summary of SPEC section 6 (plus extra keys). */
export function summaryJson(
  summary: JobSummary,
  unsupported: readonly string[] = [],
): Record<string, unknown> {
  const datasets: Record<string, { rows: number; files: number; bytes: number }> = {};
  for (const [k, v] of Object.entries(summary.datasets).sort(([a], [b]) => a.localeCompare(b)))
    datasets[k] = { ...v };
  return {
    segments: {
      processed: summary.segments.processed,
      failed: summary.segments.failed,
      skipped: summary.segments.skipped,
      resumed: summary.segments.resumed,
    },
    datasets,
    quarantined_lines: summary.quarantined_lines,
    elapsed_s: Math.round(summary.elapsed_s * 1000) / 1000,
    quarantined_rows: summary.quarantined_rows,
    lines: summary.lines,
    bytes_in: summary.bytes_in,
    failures: summary.failures,
    kept_inputs: summary.kept_inputs,
    skipped_lines: summary.skipped_lines,
    interrupted: summary.interrupted,
    unsupported_files: unsupported,
    ...(summary.stopped !== undefined ? { stopped: summary.stopped } : {}),
  };
}

/** The summary table people read at the end of `run` and `watch`. */
export function summaryText(
  summary: JobSummary,
  output: string,
  options: { watching?: boolean; unsupported?: readonly string[]; outRoot?: string } = {},
): string {
  // The source's directory under --output (`coinbase` for both Coinbase feeds).
  const outRoot = options.outRoot ?? path.join(output, 'coinbase');
  // A watch spends most of its time waiting: its wall-clock rate would mean nothing.
  const rate =
    !options.watching && summary.elapsed_s > 0
      ? ` (${formatBytes(summary.bytes_in / summary.elapsed_s)}/s)`
      : '';
  const lines = [
    `Segments: ${summary.segments.processed} processed${summary.segments.resumed ? ` (${summary.segments.resumed} already committed by an interrupted run)` : ''}, ${summary.segments.failed} failed${summary.segments.skipped ? `, ${summary.segments.skipped} skipped (claimed by another run)` : ''}`,
    `Input:    ${formatCount(summary.lines)} lines, ${formatBytes(summary.bytes_in)} in ${summary.elapsed_s.toFixed(2)} s${rate}`,
    `Quarantined lines: ${summary.quarantined_lines}${summary.quarantined_rows ? `, rows: ${summary.quarantined_rows}` : ''}${summary.quarantined_lines || summary.quarantined_rows ? ` (see ${path.join(outRoot, '_quarantine')})` : ''}`,
    '',
    datasetTable(summary.datasets),
    '',
    `Output:   ${outRoot}`,
  ];
  const skipped = Object.entries(summary.skipped_lines);
  if (skipped.length)
    lines.push(
      `Not converted (dataset not written): ${skipped.map(([c, n]) => `${c} ${formatCount(n)} lines`).join(', ')}`,
    );
  for (const k of summary.kept_inputs) lines.push(`KEPT ${k.segment} in ${k.path}: ${k.reason}`);
  for (const f of summary.failures) lines.push(`FAILED ${f.segment}: ${f.error}`);
  if (options.unsupported?.length)
    lines.push(`NOT READ (compression not supported, left in place): ${options.unsupported.join(', ')}`);
  if (summary.stopped !== undefined) lines.push(`STOPPED early: ${summary.stopped}`);
  // A signal is how a watch ends: only a `run` cut short has segments left behind.
  if (summary.interrupted && !options.watching)
    lines.push('Interrupted: segments not yet processed are still in ready/.');
  return `${lines.join('\n')}\n`;
}

export async function runCommand(
  flags: RunFlags | Flags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
): Promise<number> {
  // Object storage (s3:// --input/--output): converted segment by segment, see run-object-storage.ts.
  if (usesObjectStorage(flags)) return runOnObjectStorage(flags, io, signal, rollbackSignal);
  const selection = parseSelection(flags as RunFlags);
  const { job, progress, logger, output, unsupported, reword } = await createJob(
    flags,
    io,
    signal,
    rollbackSignal,
  );
  let summary: JobSummary;
  try {
    if (selection.mode === 'date') summary = await job.processDate(selection.date);
    else if (selection.mode === 'range') summary = await job.processDateRange(selection.start, selection.end);
    else summary = await job.processAll();
  } finally {
    progress?.stop();
  }
  summary = reworded(summary, reword);
  const s = summary.segments;
  if (s.processed + s.failed + s.skipped === 0 && !summary.interrupted)
    logger.info('no segments to process', { input: job.inputDir, mode: selection.mode });
  if (flags.json) io.stdout.write(`${toJson(summaryJson(summary, unsupported))}\n`);
  else if (!flags.quiet)
    io.stdout.write(summaryText(summary, output, { unsupported, outRoot: job.pipeline.outRoot }));
  return summary.segments.failed > 0 ? 1 : 0;
}
