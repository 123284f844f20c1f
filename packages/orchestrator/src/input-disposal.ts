/**
 * What becomes of a claimed segment's input once its conversion is over: back to ready/ when it
 * was interrupted (it has no output), deleted or moved to done/ once its rows are committed, moved
 * to failed/ with an error report when it failed. In place, the input is never touched (reports go
 * under the output). Every move is made durable (its directories fsynced) before it is reported.
 */
import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type Logger } from '@etl/core';
import { writeFileAtomic } from './atomic-file.js';
import { syncDirectories } from './durable-dirs.js';
import { failureReportPath } from './job-layout.js';
import type { JobSummary } from './job-summary.js';
import type { SegmentClaim } from './segment-claim.js';
import { isOutputFault } from './segment-fault.js';
import type { SegmentResult } from './segment-pipeline.js';

export interface InputDisposalOptions {
  readonly inputDir: string;
  readonly doneDir: string;
  readonly failedDir: string;
  readonly inPlace: boolean;
  readonly deleteAfterProcessing: boolean;
  readonly logger: Logger;
}

export class InputDisposal {
  constructor(private readonly where: InputDisposalOptions) {}

  /** An interrupted segment goes back to ready/ (it has no output). */
  async putBack(claim: SegmentClaim): Promise<void> {
    if (this.where.inPlace) return;
    await rename(claim.path, path.join(this.where.inputDir, claim.name)).catch((error: unknown) =>
      this.where.logger.warn('an interrupted segment stays in processing/ (the next run takes it)', {
        segment: claim.name,
        error: errorMessage(error),
      }),
    );
  }

  /**
   * Deletes the converted input, or moves it to done/: with `deleteAfterProcessing: false`, and
   * whenever lines of datasets this run does not write are in it (those are in no output). In
   * place, the input is never touched.
   */
  async finish(file: string, name: string, result: SegmentResult, summary: JobSummary): Promise<void> {
    if (this.where.inPlace) {
      if (result.keepInput !== undefined)
        this.where.logger.warn(
          `${name}: ${result.keepInput.replace(/; the input is kept in done\/ instead of being deleted$/, '')}`,
          { segment: name },
        );
      return;
    }
    if (this.where.deleteAfterProcessing && result.keepInput === undefined) {
      await unlink(file);
      return;
    }
    await mkdir(this.where.doneDir, { recursive: true });
    const kept = path.join(this.where.doneDir, name);
    await rename(file, kept);
    await syncDirectories([this.where.doneDir, path.dirname(this.where.doneDir), path.dirname(file)]);
    if (result.keepInput !== undefined && this.where.deleteAfterProcessing) {
      summary.kept_inputs.push({ segment: name, path: kept, reason: result.keepInput });
      this.where.logger.warn(`${name}: ${result.keepInput}`, { segment: name, kept });
    }
  }

  async fail(file: string, name: string, error: unknown, message: string): Promise<void> {
    await mkdir(this.where.failedDir, { recursive: true });
    if (!this.where.inPlace) await rename(file, path.join(this.where.failedDir, name));
    const report = {
      segment: name,
      failed_at: new Date().toISOString(),
      error: message,
      code: (error as { code?: unknown }).code ?? null,
      output_fault: isOutputFault(error),
      stack: error instanceof Error ? error.stack : undefined,
    };
    await writeFileAtomic(
      failureReportPath(this.where.failedDir, name),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    await syncDirectories(
      this.where.inPlace
        ? [this.where.failedDir]
        : [this.where.failedDir, path.dirname(this.where.failedDir), path.dirname(file)],
    );
  }
}
