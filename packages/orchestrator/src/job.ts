/**
 * The segment lifecycle: ready → processing → deleted (or done/), failures → failed/ with an
 * error report, never deleted. Leftovers of a crashed run are processed again at start, and
 * concurrent runs on the same ready/ share the work without ever converting a segment twice.
 * See the README's "Crash safety" section for the whole protocol.
 */

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorMessage, type Logger, silentLogger } from '@etl/core';
import { sleep } from '@etl/core/internal';
import { waitForEarlierSegments } from './earlier-segments.js';
import { InputDisposal } from './input-disposal.js';
import { assertCommittedInput } from './input-identity.js';
import { checkOneFilesystem, inPlaceClaimsDir, inPlaceFailedDir } from './job-layout.js';
import { type ETLJobOptions, stageDir } from './job-options.js';
import { addSegment, emptySummary, type JobSummary, mergeSummary } from './job-summary.js';
import {
  type ClaimOptions,
  claimSegment,
  DEFAULT_CLAIM_STALE_MS,
  foreignClaimHeld,
  type SegmentClaim,
  sweepClaims,
} from './segment-claim.js';
import { recoverOutput, SegmentPublishError } from './segment-commit.js';
import { isInterruption, isOutputFault, outputProblem } from './segment-fault.js';
import { isSegmentFile, segmentDate } from './segment-id.js';
import { CoinbaseSegmentPipeline, type SegmentResult } from './segment-pipeline.js';
import { DEFAULT_SETTLE_MS, SettleGate } from './settle-gate.js';
import { resolveSource } from './sources.js';

export type { ETLJobOptions, JobEvent } from './job-options.js';
export { stageDir } from './job-options.js';
export type { JobSummary } from './job-summary.js';

/** What the run loop does after a segment. */
type Next = 'continue' | 'stop' | 'retry';

export class ETLJob {
  readonly inputDir: string;
  readonly processingDir: string;
  readonly doneDir: string;
  readonly failedDir: string;
  readonly pipeline: CoinbaseSegmentPipeline;
  private readonly logger: Logger;
  private readonly claimOptions: ClaimOptions;
  private readonly inPlace: boolean;
  private recovered = false;
  /** Set while watching: only settled files of ready/ are taken. */
  private settleGate: SettleGate | undefined;
  private readonly disposal: InputDisposal;

  constructor(private readonly options: ETLJobOptions) {
    this.inputDir = options.inputDir;
    // The collector is still writing the segments in active/: reading them would lose data.
    if (path.resolve(options.inputDir).split(path.sep).includes('active')) {
      throw new ConfigError(
        'input_dir',
        `${options.inputDir} is a collector's active/ directory; use ready/`,
      );
    }
    const outRoot = path.join(options.outputDir, resolveSource(options.source).directory);
    this.inPlace = options.inPlace === true;
    this.processingDir = this.inPlace
      ? inPlaceClaimsDir(outRoot)
      : (options.processingDir ?? stageDir(options.inputDir, 'processing'));
    this.doneDir = options.doneDir ?? stageDir(options.inputDir, 'done');
    this.failedDir = this.inPlace
      ? inPlaceFailedDir(outRoot)
      : (options.failedDir ?? stageDir(options.inputDir, 'failed'));
    this.logger = options.logger ?? silentLogger;
    this.claimOptions = {
      staleAfterMs: options.claimStaleMs ?? DEFAULT_CLAIM_STALE_MS,
      ...(this.inPlace ? { inPlace: true } : {}),
    };
    this.pipeline = new CoinbaseSegmentPipeline({
      outputDir: options.outputDir,
      ...(options.source ? { source: options.source } : {}),
      ...(options.channelConfig ? { channelConfig: options.channelConfig } : {}),
      ...(options.compression ? { compression: options.compression } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.maxErrors !== undefined ? { maxErrors: options.maxErrors } : {}),
      ...(options.quarantineLimitBytes !== undefined
        ? { quarantineLimitBytes: options.quarantineLimitBytes }
        : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      logger: this.logger,
    });
    this.disposal = new InputDisposal({
      inputDir: this.inputDir,
      doneDir: this.doneDir,
      failedDir: this.failedDir,
      inPlace: this.inPlace,
      deleteAfterProcessing: options.deleteAfterProcessing ?? true,
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
    if (this.inPlace)
      throw new ConfigError(
        'in_place',
        'watch does not support in-place mode; use run --in-place (again) instead',
      );
    const signal = options.signal ?? this.options.signal;
    const total = emptySummary();
    const started = Date.now();
    this.settleGate = new SettleGate(this.options.settleMs ?? DEFAULT_SETTLE_MS, {
      logger: this.logger,
      ...(this.options.cutLineGraceMs !== undefined ? { cutLineGraceMs: this.options.cutLineGraceMs } : {}),
    });
    try {
      while (!signal?.aborted) {
        const summary = await this.run(() => true, signal);
        mergeSummary(total, summary);
        // An unwritable output fails every segment alike: stop instead of emptying ready/ into failed/.
        if (signal?.aborted || summary.stopped !== undefined) break;
        await sleep(options.pollIntervalMs ?? 2000, signal);
      }
    } finally {
      this.settleGate = undefined;
    }
    total.elapsed_s = (Date.now() - started) / 1000;
    return total;
  }

  private async listSegments(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).filter(isSegmentFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Segments waiting in ready/ or left in processing/, in name (= time) order. */
  private async pending(match: (date: string | undefined) => boolean): Promise<string[]> {
    const [listed, leftovers] = await Promise.all([
      this.listSegments(this.inputDir),
      this.listSegments(this.processingDir),
    ]);
    // A watch leaves files that may still be being written in ready/ until they settle.
    const ready = this.settleGate ? await this.settleGate.settled(this.inputDir, listed) : listed;
    return [...new Set([...leftovers, ...ready])].filter((n) => match(segmentDate(n) ?? undefined)).sort();
  }

  /** Finishes committed output and removes what crashed runs left; never fails the run. */
  private async recover(): Promise<void> {
    try {
      const report = await recoverOutput(this.pipeline.outRoot, {
        logger: this.logger,
        // A run in another PID namespace may be writing temporaries whose pids look dead here.
        foreignWriters: () => foreignClaimHeld(this.processingDir, this.claimOptions).catch(() => true),
        tempGraceMs: this.claimOptions.staleAfterMs ?? DEFAULT_CLAIM_STALE_MS,
      });
      if (report.rolledForward || report.tempFilesRemoved)
        this.logger.info('recovered the output of an interrupted run', { ...report });
    } catch (error) {
      this.logger.error('output recovery failed; segments commit what they need themselves', {
        error: errorMessage(error),
      });
    }
    await sweepClaims(this.processingDir, this.claimOptions).catch(() => 0);
  }

  private async run(
    match: (date: string | undefined) => boolean,
    signal = this.options.signal,
  ): Promise<JobSummary> {
    const started = Date.now();
    const summary = emptySummary();
    const rollback = this.options.rollbackSignal;
    if (!this.inPlace) await this.checkFilesystems();
    const planned = await this.pending(match);
    // A watcher polls an empty ready/ most of the time: walk the output only when there is work.
    if (planned.length > 0 || !this.recovered) {
      this.recovered = true;
      await this.recover();
    }
    this.options.onEvent?.({ type: 'plan', segments: planned, bytes: 0 });
    const attempted = new Set<string>();
    const held = new Set<string>();
    while (!signal?.aborted && !rollback?.aborted) {
      const claim = await this.claimNext(match, attempted, held, summary);
      if (!claim) break;
      held.delete(claim.name);
      const next = await this.processClaimed(claim, summary, signal, attempted);
      if (next !== 'retry') attempted.add(claim.name);
      if (next === 'stop') break;
    }
    summary.segments.skipped = held.size;
    summary.interrupted = signal?.aborted === true || rollback?.aborted === true;
    summary.elapsed_s = (Date.now() - started) / 1000;
    return summary;
  }

  /** Segments move by rename: every stage directory must be on the input's filesystem. */
  private async checkFilesystems(): Promise<void> {
    await checkOneFilesystem(this.inputDir, [
      { key: 'processing_dir', dir: this.processingDir },
      { key: 'failed_dir', dir: this.failedDir },
      ...((this.options.deleteAfterProcessing ?? true) ? [] : [{ key: 'done_dir', dir: this.doneDir }]),
    ]);
  }

  /** Where a claimed segment is: in processing/, or where it lies when converting in place. */
  private claimedPath(name: string): string {
    return path.join(this.inPlace ? this.inputDir : this.processingDir, name);
  }

  /** Claims the first pending segment no other live process holds. */
  private async claimNext(
    match: (date: string | undefined) => boolean,
    attempted: Set<string>,
    held: Set<string>,
    summary: JobSummary,
  ): Promise<SegmentClaim | undefined> {
    for (const name of await this.pending(match)) {
      if (attempted.has(name)) continue;
      let claim: SegmentClaim | undefined;
      try {
        claim = await claimSegment(this.inputDir, this.processingDir, name, this.claimOptions);
      } catch (error) {
        // A fault of this one segment (its name) must not stop the run: fail it and go on.
        if (!isSegmentNameFault(error)) throw error;
        attempted.add(name);
        await this.failUnclaimed(name, error, summary);
        continue;
      }
      if (claim) return claim;
      held.add(name);
    }
    return undefined;
  }

  private async processClaimed(
    claim: SegmentClaim,
    summary: JobSummary,
    signal: AbortSignal | undefined,
    attempted: ReadonlySet<string>,
  ): Promise<Next> {
    const name = claim.name;
    const rollback = this.options.rollbackSignal;
    // Holders on other hosts judge this claim by its age: keep it fresh while working.
    const heartbeat = setInterval(
      () => void claim.touch(),
      Math.max(1000, (this.claimOptions.staleAfterMs ?? 0) / 4),
    );
    heartbeat.unref();
    try {
      const ready = await waitForEarlierSegments(name, {
        processingDir: this.processingDir,
        claimOptions: this.claimOptions,
        claimedPath: (other) => this.claimedPath(other),
        attempted,
        logger: this.logger,
        ...(signal ? { signal } : {}),
        ...(this.options.rollbackSignal ? { rollbackSignal: this.options.rollbackSignal } : {}),
        ...(this.options.waitPollMs !== undefined ? { waitPollMs: this.options.waitPollMs } : {}),
      });
      if (ready !== 'go') {
        if (ready === 'interrupted') await this.disposal.putBack(claim);
        return ready === 'interrupted' ? 'stop' : 'retry';
      }
      this.options.onEvent?.({ type: 'segment-start', segment: name });
      let result: SegmentResult;
      try {
        result = await this.pipeline.processSegment(claim.path, {
          ...(this.options.channels ? { channels: this.options.channels } : {}),
          ...(rollback ? { signal: rollback } : {}),
          resume: true,
          inputName: path.join(this.inputDir, name),
        });
      } catch (error) {
        return await this.failed(claim, error, summary);
      }
      try {
        // The file must still be what the output was made from (not appended to since).
        await assertCommittedInput(claim.path, result.manifest);
      } catch (error) {
        return await this.failed(claim, error, summary);
      }
      try {
        await this.disposal.finish(claim.path, name, result, summary);
      } catch (error) {
        // The output is committed; the next run finds it so and only retries this step.
        const message = `output committed, but the input could not be removed: ${errorMessage(error)}`;
        summary.segments.failed++;
        summary.failures.push({ segment: name, error: message });
        this.logger.error('segment committed but not finished', { segment: name, error: message });
        this.options.onEvent?.({ type: 'segment-failed', segment: name, error: message });
        return 'continue';
      }
      addSegment(summary, result);
      this.logger.info(
        result.resumed ? 'segment finished (output was committed already)' : 'segment processed',
        {
          segment: name,
          quarantined: result.quarantinedLines,
        },
      );
      this.options.onEvent?.({ type: 'segment-done', segment: name, result });
      return 'continue';
    } finally {
      clearInterval(heartbeat);
      await claim.release();
    }
  }

  private async failed(claim: SegmentClaim, error: unknown, summary: JobSummary): Promise<Next> {
    const name = claim.name;
    if (isInterruption(error)) {
      await this.disposal.putBack(claim);
      this.logger.warn('segment rolled back: interrupted', { segment: name });
      this.options.onEvent?.({ type: 'segment-interrupted', segment: name });
      return 'stop';
    }
    const outputFault = isOutputFault(error);
    const problem = outputFault ? await outputProblem(this.pipeline.outRoot) : undefined;
    const message = problem ? `${errorMessage(error)} (output check: ${problem})` : errorMessage(error);
    summary.segments.failed++;
    summary.failures.push({ segment: name, error: message });
    this.options.onEvent?.({ type: 'segment-failed', segment: name, error: message });
    if (error instanceof SegmentPublishError) {
      // Committed: not a failed segment. It stays in processing/ and the next run publishes it.
      this.logger.error('segment output committed but not published', { segment: name, error: message });
      summary.stopped = message;
      return 'stop';
    }
    this.logger.error('segment failed', { segment: name, error: message });
    try {
      await this.disposal.fail(claim.path, name, error, message);
    } catch (moveError) {
      this.logger.error('could not move the failed segment to failed/; it stays in processing/', {
        segment: name,
        error: errorMessage(moveError),
      });
    }
    if (!outputFault) return 'continue';
    summary.stopped = `writing the output failed (${message}); the remaining segments stay in ready/`;
    this.logger.error('stopping: writing the output failed', { output: this.pipeline.outRoot });
    return 'stop';
  }

  /** A segment that could not even be claimed (its name): to failed/ from where it is. */
  private async failUnclaimed(name: string, error: unknown, summary: JobSummary): Promise<void> {
    const message = `could not claim the segment: ${errorMessage(error)}`;
    summary.segments.failed++;
    summary.failures.push({ segment: name, error: message });
    this.logger.error('segment failed', { segment: name, error: message });
    this.options.onEvent?.({ type: 'segment-failed', segment: name, error: message });
    await this.disposal
      .fail(path.join(this.inputDir, name), name, error, message)
      .catch((moveError: unknown) =>
        this.logger.error('could not move the failed segment to failed/; it stays in ready/', {
          segment: name,
          error: errorMessage(moveError),
        }),
      );
  }
}

/** Errors about one segment's name, not about the directories: that segment fails, the run goes on. */
function isSegmentNameFault(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENAMETOOLONG' || code === 'EILSEQ' || code === 'EINVAL';
}
