/**
 * `compact: true`: after a date's commit job, a closed date (before today, UTC) is compacted like
 * `etl compact --before <tomorrow of it>` would, one partition at a time. A failure is logged and
 * leaves the date's files as they were; it never fails the commit job.
 */
import { errorMessage, type Logger, utcDateKey } from '@etl/core';
import { compactOutput } from '@etl/orchestrator';

export async function compactClosedDate(outputDir: string, date: string, logger: Logger): Promise<void> {
  const today = utcDateKey(BigInt(Date.now()) * 1_000_000n);
  if (!(date < today)) return;
  try {
    const summary = await compactOutput({
      outputDir,
      before: today,
      dates: [date],
      // Other workers may be converting: their segments' recovery is theirs.
      recoverSegments: false,
      logger,
    });
    logger.info('date compacted', { date, ...summary.partitions });
  } catch (error) {
    logger.warn('the date could not be compacted; run etl compact later', {
      date,
      error: errorMessage(error),
    });
  }
}
