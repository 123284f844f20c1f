import { toJson } from '../format.js';
import { UsageError } from '../usage-error.js';
import { createJob, type RunFlags, summaryJson, summaryText } from './run.js';

/** Processes segments as they appear in ready/, in name order, until SIGINT/SIGTERM. */
export async function watchCommand(
  flags: RunFlags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
): Promise<number> {
  const seconds = Number(flags['poll-interval'] ?? '2');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--poll-interval must be a positive number of seconds');
  const { job, progress, logger, output } = await createJob({ ...flags, quiet: true }, io, signal);
  logger.info('watching for segments', { input: job.inputDir, poll_interval_s: seconds });
  const summary = await job.watch({ pollIntervalMs: seconds * 1000, signal });
  progress?.stop();
  if (flags.json) io.stdout.write(`${toJson(summaryJson(summary))}\n`);
  else if (!flags.quiet) io.stdout.write(summaryText(summary, output));
  return summary.segments.failed > 0 ? 1 : 0;
}
