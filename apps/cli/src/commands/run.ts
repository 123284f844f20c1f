import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogLevel } from '@etl/core';
import { ETLJob, type JobSummary } from '@etl/orchestrator';
import { loadConfig } from '../config.js';
import { ConsoleLogger, type LogFormat } from '../console-logger.js';
import { formatBytes, formatCount, renderTable, toJson } from '../format.js';
import { loadPlugins } from '../plugins.js';
import { ProgressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

export interface RunFlags {
  input?: string;
  output?: string;
  config?: string;
  mode?: string;
  date?: string;
  'start-date'?: string;
  'end-date'?: string;
  channels?: string;
  'keep-input'?: boolean;
  'in-place'?: boolean;
  json?: boolean;
  quiet?: boolean;
  'log-format'?: string;
  'log-level'?: string;
  'poll-interval'?: string;
  settle?: string;
  source?: string;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(flag: string, value: string | undefined): string {
  if (!value) throw new UsageError(`--${flag} is required with this --mode`);
  if (!DATE_RE.test(value)) throw new UsageError(`--${flag} must be YYYY-MM-DD, got ${value}`);
  return value;
}

/** Builds the job from flags and config (flags win). Shared by `run` and `watch`. */
export async function createJob(
  flags: RunFlags,
  io: { stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
  options: { progress?: boolean; settleMs?: number } = {},
) {
  const logFormat = (flags['log-format'] ?? 'text') as LogFormat;
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError('--log-format must be text or json');
  const logLevel = (flags['log-level'] ?? (flags.quiet ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new UsageError('--log-level must be debug, info, warn or error');
  const config = flags.config
    ? await loadConfig(flags.config)
    : { plugins: [] as string[], baseDir: process.cwd() };
  const input = flags.input ? path.resolve(flags.input) : 'inputDir' in config ? config.inputDir : undefined;
  const output = flags.output
    ? path.resolve(flags.output)
    : 'outputDir' in config
      ? config.outputDir
      : undefined;
  if (!input) throw new UsageError('--input <ready-dir> is required (or etl.input_dir in --config)');
  if (!output) throw new UsageError('--output <processed-dir> is required (or etl.output_dir in --config)');
  // The bar only where a person watches: a terminal, text logs, no --json/--quiet.
  const showProgress =
    options.progress !== false &&
    !flags.json &&
    !flags.quiet &&
    io.stderr.isTTY === true &&
    logFormat === 'text';
  const progress = showProgress ? new ProgressBar(io.stderr) : undefined;
  const logger = new ConsoleLogger(logFormat, logLevel, io.stderr, { beforeWrite: () => progress?.clear() });
  const registry = config.plugins.length ? await loadPlugins(config.plugins, config.baseDir) : undefined;
  const c = config as Partial<import('../config.js').EtlConfig>;
  const channels = flags.channels
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (flags.source !== undefined && flags.source !== 'coinbase' && flags.source !== 'coinbase-exchange')
    throw new UsageError(`--source must be coinbase or coinbase-exchange, got ${flags.source}`);
  const source = (flags.source as 'coinbase' | 'coinbase-exchange' | undefined) ?? c.source;
  const sizes = new Map<string, number>();
  const job = new ETLJob({
    inputDir: input,
    outputDir: output,
    deleteAfterProcessing: flags['keep-input'] ? false : (c.deleteAfterProcessing ?? true),
    // Read-only archives: nothing is moved, deleted or written in --input.
    ...(flags['in-place'] ? { inPlace: true } : {}),
    ...(c.channels ? { channelConfig: c.channels } : {}),
    ...(c.compression ? { compression: c.compression } : {}),
    ...(source ? { source } : {}),
    ...(c.processingDir ? { processingDir: c.processingDir } : {}),
    ...(c.doneDir ? { doneDir: c.doneDir } : {}),
    ...(c.failedDir ? { failedDir: c.failedDir } : {}),
    ...(c.maxErrors !== undefined ? { maxErrors: c.maxErrors } : {}),
    ...(registry ? { registry } : {}),
    ...(channels?.length ? { channels } : {}),
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
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
  return { job, progress, logger, output };
}

/** The JSON summary of SPEC section 6 (plus extra keys). */
export function summaryJson(summary: JobSummary): Record<string, unknown> {
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
    ...(summary.stopped !== undefined ? { stopped: summary.stopped } : {}),
  };
}

/** The summary table people read at the end of `run` and `watch`. */
export function summaryText(
  summary: JobSummary,
  output: string,
  options: { watching?: boolean } = {},
): string {
  const rows = Object.entries(summary.datasets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, d]) => [name, formatCount(d.rows), formatCount(d.files), formatBytes(d.bytes)]);
  // A watch spends most of its time waiting: its wall-clock rate would mean nothing.
  const rate =
    !options.watching && summary.elapsed_s > 0
      ? ` (${formatBytes(summary.bytes_in / summary.elapsed_s)}/s)`
      : '';
  const lines = [
    `Segments: ${summary.segments.processed} processed${summary.segments.resumed ? ` (${summary.segments.resumed} already committed by an interrupted run)` : ''}, ${summary.segments.failed} failed${summary.segments.skipped ? `, ${summary.segments.skipped} skipped (claimed by another run)` : ''}`,
    `Input:    ${formatCount(summary.lines)} lines, ${formatBytes(summary.bytes_in)} in ${summary.elapsed_s.toFixed(2)} s${rate}`,
    `Quarantined lines: ${summary.quarantined_lines}${summary.quarantined_rows ? `, rows: ${summary.quarantined_rows}` : ''}${summary.quarantined_lines || summary.quarantined_rows ? ` (see ${path.join(output, 'coinbase', '_quarantine')})` : ''}`,
    '',
    rows.length
      ? renderTable(['dataset', 'rows', 'files', 'size'], rows, {
          align: ['left', 'right', 'right', 'right'],
        })
      : 'No rows written.',
    '',
    `Output:   ${path.join(output, 'coinbase')}`,
  ];
  const skipped = Object.entries(summary.skipped_lines);
  if (skipped.length)
    lines.push(
      `Not converted (dataset not written): ${skipped.map(([c, n]) => `${c} ${formatCount(n)} lines`).join(', ')}`,
    );
  for (const k of summary.kept_inputs) lines.push(`KEPT ${k.segment} in ${k.path}: ${k.reason}`);
  for (const f of summary.failures) lines.push(`FAILED ${f.segment}: ${f.error}`);
  if (summary.stopped !== undefined) lines.push(`STOPPED early: ${summary.stopped}`);
  // A signal is how a watch ends: only a `run` cut short has segments left behind.
  if (summary.interrupted && !options.watching)
    lines.push('Interrupted: segments not yet processed are still in ready/.');
  return `${lines.join('\n')}\n`;
}

export async function runCommand(
  flags: RunFlags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
): Promise<number> {
  const mode = flags.mode ?? 'all';
  if (!['all', 'date', 'range'].includes(mode))
    throw new UsageError(`--mode must be all, date or range, got ${mode}`);
  const { job, progress, logger, output } = await createJob(flags, io, signal, rollbackSignal);
  let summary: JobSummary;
  try {
    if (mode === 'date') summary = await job.processDate(checkDate('date', flags.date));
    else if (mode === 'range') {
      const start = checkDate('start-date', flags['start-date']);
      const end = checkDate('end-date', flags['end-date']);
      if (start > end) throw new UsageError('--start-date must not be after --end-date');
      summary = await job.processDateRange(start, end);
    } else summary = await job.processAll();
  } finally {
    progress?.stop();
  }
  const s = summary.segments;
  if (s.processed + s.failed + s.skipped === 0 && !summary.interrupted) {
    // Most likely a mistyped --input: say so instead of printing an empty table.
    const exists = await stat(job.inputDir).then(
      () => true,
      () => false,
    );
    if (exists) logger.info('no segments to process', { input: job.inputDir, mode });
    else logger.warn('the input directory does not exist: nothing to process', { input: job.inputDir });
  }
  if (flags.json) io.stdout.write(`${toJson(summaryJson(summary))}\n`);
  else if (!flags.quiet) io.stdout.write(summaryText(summary, output));
  return summary.segments.failed > 0 ? 1 : 0;
}
