import { toJson } from '../format.js';
import { UsageError } from '../usage-error.js';
import { createJob, type RunFlags, summaryJson, summaryText } from './run.js';

/** Processes segments as they appear in ready/, in name order, until SIGINT/SIGTERM. */
export async function watchCommand(
  flags: RunFlags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
): Promise<number> {
  const seconds = Number(flags['poll-interval'] ?? '2');
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError('--poll-interval must be a positive number of seconds');
  const settle = Number(flags.settle ?? '3');
  if (!Number.isFinite(settle) || settle < 0)
    throw new UsageError('--settle must be a number of seconds (0 or more)');
  // No progress bar: a watch has no end to measure against. One log line per segment instead.
  const { job, logger, output } = await createJob(flags, io, signal, rollbackSignal, {
    progress: false,
    settleMs: settle * 1000,
  });
  logger.info('watching for segments (Ctrl-C to stop)', {
    input: job.inputDir,
    poll_interval_s: seconds,
    settle_s: settle,
  });
  const summary = await job.watch({ pollIntervalMs: seconds * 1000, signal });
  logger.info('stopped watching', { processed: summary.segments.processed, failed: summary.segments.failed });
  if (flags.json) io.stdout.write(`${toJson(summaryJson(summary))}\n`);
  else if (!flags.quiet) io.stdout.write(summaryText(summary, output, { watching: true }));
  return summary.segments.failed > 0 ? 1 : 0;
}
