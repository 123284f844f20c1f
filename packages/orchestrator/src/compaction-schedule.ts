/**
 * Automatic compaction for long-running converters (`etl watch --compact`): each poll it checks
 * cheaply whether anything changed (the UTC date, or a new segment commit: the mtime of
 * `_manifests/`) and, once no segment of a closed date waits in `ready/` or `processing/`,
 * compacts every closed date. Segments that arrive for a date after it was compacted add a part
 * file beside the compacted one; the next pass merges them in (no row is duplicated).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type Logger, silentLogger, utcDateKey } from '@etl/core';
import { type CompactSummary, compactOutput } from './compaction.js';
import { stageDir } from './job.js';
import { MANIFEST_DIR } from './segment-commit.js';
import { isSegmentFile, segmentDate } from './segment-id.js';

export interface ClosedDateCompactorOptions {
  readonly outputDir: string;
  /** The converter's `ready/` directory: compaction waits while it holds segments of closed dates. */
  readonly inputDir?: string;
  readonly logger?: Logger;
}

const today = (): string => utcDateKey(BigInt(Date.now()) * 1_000_000n);

export class ClosedDateCompactor {
  private lastDate: string | undefined;
  private lastCommit = -1;
  private readonly logger: Logger;

  constructor(private readonly options: ClosedDateCompactorOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** One check; compacts when something changed and no closed-date segment is pending. */
  async tick(signal?: AbortSignal): Promise<CompactSummary | undefined> {
    const date = today();
    const outRoot = path.join(this.options.outputDir, 'coinbase');
    const commit = await stat(path.join(outRoot, MANIFEST_DIR)).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (commit === 0 || (date === this.lastDate && commit === this.lastCommit)) return undefined;
    if (await this.closedDatePending(date)) return undefined;
    const summary = await compactOutput({
      outputDir: this.options.outputDir,
      before: date,
      // The converter beside us owns its segments' recovery; compactions are recovered anyway.
      recoverSegments: false,
      logger: this.logger,
      ...(signal ? { rollbackSignal: signal } : {}),
    });
    this.lastDate = date;
    this.lastCommit = commit;
    if (summary.partitions.compacted > 0 || summary.partitions.failed > 0)
      this.logger.info('closed dates compacted', { ...summary.partitions });
    return summary;
  }

  /** Ticks every `intervalMs` until `signal` aborts; failures are logged, never thrown. */
  async run(intervalMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.tick(signal);
      } catch (error) {
        this.logger.error('automatic compaction failed; retried on the next change', {
          error: errorMessage(error),
        });
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, intervalMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  private async closedDatePending(date: string): Promise<boolean> {
    const input = this.options.inputDir;
    if (!input) return false;
    for (const dir of [input, stageDir(input, 'processing')]) {
      const names = await readdir(dir).catch(() => [] as string[]);
      if (names.some((n) => isSegmentFile(n) && (segmentDate(n) ?? date) < date)) return true;
    }
    return false;
  }
}
