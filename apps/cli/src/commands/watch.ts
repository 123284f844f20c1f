import { ClosedDateCompactor, DEFAULT_SETTLE_MS } from '@etl/orchestrator';
import type { Flags } from '../command-spec.js';
import { toJson } from '../format.js';
import { unsupportedFiles } from '../usage-checks.js';
import { UsageError } from '../usage-error.js';
import { createJob, type RunFlags, reworded, summaryJson, summaryText } from './run.js';

function seconds(flag: string, value: string | undefined, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new UsageError(`--${flag} must be a ${allowZero ? 'number ≥ 0' : 'positive number'} of seconds`);
  return n;
}

/** Processes segments as they appear in ready/, in name order, until SIGINT/SIGTERM. */
export async function watchCommand(
  given: RunFlags | Flags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
): Promise<number> {
  const flags = given as RunFlags;
  const poll = seconds('poll-interval', flags['poll-interval'] ?? '2', false)!;
  const settle = seconds('settle', flags.settle, true);
  // No progress bar: a watch has no end to measure against. One log line per segment instead.
  const { job, logger, output, reword } = await createJob(flags, io, signal, rollbackSignal, {
    progress: false,
    inputMayBeMissing: true,
    ...(settle !== undefined ? { jobOptions: { settleMs: settle * 1000 } } : {}),
  });
  logger.info('watching for segments (Ctrl-C to stop)', {
    input: job.inputDir,
    poll_interval_s: poll,
    settle_s: settle ?? DEFAULT_SETTLE_MS / 1000,
  });
  // --compact: closed dates are compacted beside the conversions, stopped with them.
  const stopCompacting = new AbortController();
  const compacting = flags.compact
    ? new ClosedDateCompactor({ outputDir: output, inputDir: job.inputDir, logger }).run(
        poll * 1000,
        AbortSignal.any([signal, stopCompacting.signal]),
      )
    : undefined;
  const watched = await job.watch({ pollIntervalMs: poll * 1000, signal }).finally(async () => {
    stopCompacting.abort();
    await compacting;
  });
  const summary = reworded(watched, reword);
  logger.info('stopped watching', { processed: summary.segments.processed, failed: summary.segments.failed });
  // Files that arrived while watching are named too: the summary lists what is left unread now.
  const unsupported = await unsupportedFiles(job.inputDir);
  if (flags.json) io.stdout.write(`${toJson(summaryJson(summary, unsupported))}\n`);
  else if (!flags.quiet)
    io.stdout.write(
      summaryText(summary, output, { watching: true, unsupported, outRoot: job.pipeline.outRoot }),
    );
  return summary.segments.failed > 0 ? 1 : 0;
}
