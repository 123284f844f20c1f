/**
 * One worker process's share of the pipeline: a BullMQ worker per queue. State and convert jobs
 * run in sandboxed worker threads (the main thread only keeps locks alive and records results);
 * commit jobs are small file writes and run in the main thread. State jobs run one at a time
 * across all workers (the chain is ordered), conversions `concurrency` at a time per process.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  errorMessage,
  type Logger,
  type ObjectStorage,
  type Stats,
  silentLogger,
} from '@etl/core';
import { sleep } from '@etl/core/internal';
import type { CoinbaseSegmentPipelineOptions } from '@etl/orchestrator';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { readConversions } from './conversion-journal.js';
import { commitDate } from './date-commit.js';
import { compactClosedDate } from './date-compaction.js';
import { commitDateToObjects } from './object-date-commit.js';
import { abortLeftUploads, type ObjectOutputSettings, openRecoveredOutput } from './object-output.js';
import { processorEntry } from './processor-entry.js';
import type { ProcessorSettings } from './processor-settings.js';
import { QueueLossWatch } from './queue-loss.js';
import { checkRedis, type RedisConnectionOptions, toConnectionOptions } from './redis-connection.js';
import {
  type CommitJobData,
  type CommitJobResult,
  type ConvertJobResult,
  jobIdFromKey,
  type SegmentJobData,
  type SegmentQueueNames,
  type StateJobResult,
  segmentQueueNames,
} from './segment-jobs.js';
import { type SegmentStorage, SharedFileSystemStorage } from './segment-storage.js';
import { type JobFailure, type WorkerSummary, WorkerTally } from './worker-summary.js';

export interface SegmentWorkerOptions {
  /** `redis://host:port`, `redis+unix:///path`, … or connection options. */
  readonly connection: string | RedisConnectionOptions;
  /** Output root; datasets land in `<outputDir>/coinbase/<dataset>`. Shared by every worker. */
  readonly outputDir: string;
  /** Pipeline name the queues derive from (default `etl`). */
  readonly queueName?: string;
  /** BullMQ key prefix (default `bull`). */
  readonly prefix?: string;
  /** Conversions at once in this process, each in its own thread (default 1). */
  readonly concurrency?: number;
  /** Which feed the segments hold (default 'coinbase', Advanced Trade; 'coinbase-exchange' the legacy feed). */
  readonly source?: CoinbaseSegmentPipelineOptions['source'];
  readonly channelConfig?: Readonly<Record<string, unknown>>;
  readonly compression?: CoinbaseSegmentPipelineOptions['compression'];
  readonly maxErrors?: number;
  /** Datasets to write (default: every enabled channel). */
  readonly channels?: readonly string[];
  /**
   * Processor plugins the config's channels name (package names or paths, as in a config's
   * `plugins`), resolved from `pluginBaseDir` (default the current directory). Each worker
   * thread loads them itself.
   */
  readonly plugins?: readonly string[];
  readonly pluginBaseDir?: string;
  /** Move finished segments to `done/` instead of deleting them. */
  readonly keepInput?: boolean;
  /** A job whose lock is not renewed for this long is taken for stalled and retried elsewhere (default 30 000). */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 30 000). */
  readonly stalledIntervalMs?: number;
  /** Poll interval of a state job waiting for its predecessor (default 200). */
  readonly waitPollMs?: number;
  /** Compact a date (`compactOutput`) when its commit job runs and the date is closed (default false). */
  readonly compact?: boolean;
  /**
   * Publish to object storage instead of `outputDir` (which is then unused): each process
   * converts into its own scratch directory and publishes with the object-storage commit protocol.
   */
  readonly objectOutput?: ObjectOutputSettings;
  /** Shown as the job's `processedBy` (default `<host>:<pid>`). */
  readonly name?: string;
  readonly logger?: Logger;
}

const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

export class SegmentWorker {
  readonly queues: SegmentQueueNames;
  readonly connection: RedisConnectionOptions;
  readonly outRoot: string;
  private readonly logger: Logger;
  private readonly storage: SegmentStorage;
  private readonly prefix: string;
  private readonly tally = new WorkerTally();
  private workers: Worker[] = [];
  private readonly queueHandles: Queue[] = [];
  private startedAt = 0;
  private closing: Promise<void> | undefined;
  private readonly pendingHandlers = new Set<Promise<void>>();
  private readonly loss: QueueLossWatch;
  /** Segments whose conversion this worker saw end: done, already done, or failed for good. */
  private readonly accounted = new Set<string>();
  private journalDir: string | undefined;
  /** For the queue's epoch key (BullMQ keeps its own connections to itself). */
  private redis: Redis | undefined;
  /** The output's `coinbase/` root when it is object storage. */
  private objectStorage: ObjectStorage | undefined;
  /** Set when `runUntilEmpty` saw every queue empty: no upload of any worker can be in flight. */
  private sawEmpty = false;

  constructor(private readonly options: SegmentWorkerOptions) {
    this.connection = toConnectionOptions(options.connection);
    this.queues = segmentQueueNames(options.queueName);
    this.prefix = options.prefix ?? 'bull';
    this.outRoot = options.objectOutput
      ? `${options.objectOutput.url.replace(/\/+$/, '')}/coinbase`
      : path.join(path.resolve(options.outputDir), 'coinbase');
    if (options.objectOutput && options.compact)
      throw new ConfigError('compact', 'compaction is not supported on an object-storage output yet');
    this.logger = options.logger ?? silentLogger;
    // The threads resolve segments through the same storage (plain data cannot carry another one).
    this.storage = new SharedFileSystemStorage();
    this.loss = new QueueLossWatch(this.prefix, this.queues);
    const c = options.concurrency ?? 1;
    if (!Number.isInteger(c) || c < 1)
      throw new RangeError(`concurrency must be a whole number ≥ 1, got ${c}`);
  }

  /** Connects and starts taking jobs. */
  async start(): Promise<void> {
    if (this.workers.length) return;
    await checkRedis(this.connection);
    if (this.options.objectOutput)
      this.objectStorage = await openRecoveredOutput(this.options.objectOutput, this.logger);
    this.startedAt = Date.now();
    const connection = { ...this.connection, maxRetriesPerRequest: null };
    for (const name of [this.queues.state, this.queues.convert, this.queues.commit]) {
      const q = new Queue(name, { connection, prefix: this.prefix });
      q.on('error', (error) =>
        this.logger.warn('queue connection error', { queue: name, error: errorMessage(error) }),
      );
      this.queueHandles.push(q);
    }
    this.redis = new Redis({ ...connection });
    this.redis.on('error', () => {});
    // The chain of book states is ordered: one state job at a time, whichever worker runs it.
    await this.queueHandles[0]!.setGlobalConcurrency(1);

    const entry = processorEntry();
    this.journalDir = mkdtempSync(path.join(tmpdir(), 'etl-worker-'));
    const settings: ProcessorSettings = {
      journal: path.join(this.journalDir, 'converted.ndjson'),
      outputDir: this.options.objectOutput
        ? path.join(this.journalDir, 'out')
        : path.resolve(this.options.outputDir),
      ...(this.options.objectOutput ? { objectOutput: this.options.objectOutput } : {}),
      ...(this.options.source ? { source: this.options.source } : {}),
      ...(this.options.channelConfig ? { channelConfig: this.options.channelConfig } : {}),
      ...(this.options.compression ? { compression: this.options.compression } : {}),
      ...(this.options.maxErrors !== undefined ? { maxErrors: this.options.maxErrors } : {}),
      ...(this.options.channels ? { channels: [...this.options.channels] } : {}),
      ...(this.options.plugins?.length
        ? {
            plugins: [...this.options.plugins],
            pluginBaseDir: path.resolve(this.options.pluginBaseDir ?? process.cwd()),
          }
        : {}),
      keepInput: this.options.keepInput ?? false,
      connection: this.connection,
      queues: this.queues,
      prefix: this.prefix,
      waitPollMs: this.options.waitPollMs ?? 200,
    };
    const common = {
      connection,
      prefix: this.prefix,
      name: this.options.name ?? `${hostname()}:${process.pid}`,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      // Sandboxed threads keep the main loop free, so a second stall means the job kills its worker.
      maxStalledCount: 1,
    };
    const sandboxed = {
      ...common,
      useWorkerThreads: true,
      workerThreadsOptions: { workerData: settings, ...(entry.execArgv ? { execArgv: entry.execArgv } : {}) },
    };
    const state = new Worker<SegmentJobData, StateJobResult>(this.queues.state, entry.file, {
      ...sandboxed,
      concurrency: 1,
    });
    const convert = new Worker<SegmentJobData, ConvertJobResult>(this.queues.convert, entry.file, {
      ...sandboxed,
      concurrency: this.options.concurrency ?? 1,
    });
    const commit = new Worker<CommitJobData, CommitJobResult>(this.queues.commit, (job) => this.commit(job), {
      ...common,
      concurrency: 1,
    });
    this.workers = [state, convert, commit];
    for (const w of this.workers) {
      w.on('error', (error) =>
        this.logger.warn('worker error', { queue: w.name, error: errorMessage(error) }),
      );
      w.on('failed', (job, error) => {
        if (!job) return;
        const handled = this.onFailed(w.name, job, error).finally(() => this.pendingHandlers.delete(handled));
        this.pendingHandlers.add(handled);
      });
    }
    state.on('active', (job) => this.loss.saw(this.queueHandles[0]!, job));
    convert.on('active', (job) => this.loss.saw(this.queueHandles[1]!, job));
    commit.on('active', (job) => this.loss.saw(this.queueHandles[2]!, job));
    state.on('completed', (job, result) => this.onState(job, result));
    convert.on('completed', (job, result) => this.onConverted(job, result));
    commit.on('completed', (_job, result) => this.onCommitted(result));
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.logger.info('worker started', {
      queues: this.queues.base,
      concurrency: this.options.concurrency ?? 1,
      output: this.outRoot,
    });
  }

  /** Jobs still to be done in any of the pipeline's queues. */
  async pendingJobs(): Promise<number> {
    let total = 0;
    for (const q of this.queueHandles) {
      const counts = await q.getJobCounts(...PENDING_STATES);
      for (const s of PENDING_STATES) total += counts[s] ?? 0;
    }
    return total;
  }

  /**
   * Works until no job is waiting, active, delayed or waiting for children in any queue (seen
   * twice in a row, so a job moving between queues is not missed), or until `signal` aborts.
   */
  async runUntilEmpty(options: { signal?: AbortSignal; pollMs?: number } = {}): Promise<WorkerSummary> {
    await this.start();
    let quiet = 0;
    while (!options.signal?.aborted) {
      await sleep(options.pollMs ?? 250, options.signal);
      const pending = await this.pendingJobs();
      await this.loss.check(this.redis!, pending);
      // Nothing the queue says can be trusted any more: stop taking jobs.
      if (this.loss.lost) break;
      if (pending === 0) {
        if (++quiet >= 2) {
          this.sawEmpty = true;
          break;
        }
      } else quiet = 0;
    }
    // No job is active anywhere: an upload still pending belongs to no live attempt.
    if (this.sawEmpty && this.objectStorage) await abortLeftUploads(this.objectStorage, this.logger);
    return this.finish();
  }

  /** Works until `signal` aborts. */
  async runUntilAborted(signal: AbortSignal, pollMs = 5000): Promise<WorkerSummary> {
    await this.start();
    while (!signal.aborted) {
      await sleep(pollMs, signal);
      if (signal.aborted || this.loss.lost) continue;
      await this.loss.check(this.redis!, await this.pendingJobs()).catch(() => {});
      if (this.loss.lost) {
        // Keep serving (work enqueued again will come), but say it now, not only at the end.
        this.logger.error("the queue's state in Redis was lost: enqueue the ready segments again", {
          queues: this.queues.base,
        });
      }
    }
    return this.finish();
  }

  /** Closes the workers, then records the run's final failures (any worker's) in the summary. */
  private async finish(): Promise<WorkerSummary> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.pendingHandlers);
    const failedJobs = await this.failuresSinceStart();
    await this.loss.check(this.redis!, 0);
    await this.loss.checkJobs();
    await this.close();
    await this.mergeJournal();
    this.tally.finished(
      (Date.now() - this.startedAt) / 1000,
      failedJobs,
      this.loss.result(this.accounted, this.queues.convert),
    );
    return this.summary();
  }

  /**
   * Adds the conversions the threads recorded but BullMQ never reported as completed (Redis lost
   * the job before its completion was stored): their output is committed, so they are this
   * worker's work and belong in its summary.
   */
  private async mergeJournal(): Promise<void> {
    const dir = this.journalDir;
    if (!dir) return;
    const reported = new Set(this.tally.summary().converted_segments);
    for (const result of await readConversions(path.join(dir, 'converted.ndjson'))) {
      if (reported.has(result.inputId)) continue;
      reported.add(result.inputId);
      this.accounted.add(result.inputId);
      this.tally.converted(result, { unrecorded: true });
      this.logger.warn('segment converted, but the queue never recorded it', { segment: result.segment });
    }
    rmSync(dir, { recursive: true, force: true });
    this.journalDir = undefined;
  }

  /** Lets running jobs finish, then disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.workers.map((w) => w.close()));
      await Promise.all(this.pendingHandlers);
      await Promise.all(this.queueHandles.map((q) => q.close()));
      await this.redis?.quit().catch(() => this.redis?.disconnect());
    })();
    return this.closing;
  }

  /** Jobs of any queue that failed for good since this worker started (by any worker). */
  async failuresSinceStart(limit = 1000): Promise<JobFailure[]> {
    const out: JobFailure[] = [];
    for (const q of this.queueHandles) {
      for (const job of await q.getFailed(0, limit - 1)) {
        if ((job.finishedOn ?? 0) < this.startedAt) continue;
        out.push({
          queue: q.name,
          job: job.id ?? '?',
          reason: job.failedReason,
          attempts: job.attemptsMade,
          final: true,
        });
      }
    }
    return out.sort((a, b) => (a.queue + a.job < b.queue + b.job ? -1 : 1));
  }

  summary(): WorkerSummary {
    return this.tally.summary();
  }

  stats(): Stats {
    return this.tally.stats();
  }

  private async commit(job: Job<CommitJobData, CommitJobResult>): Promise<CommitJobResult> {
    const failures = await job.getIgnoredChildrenFailures();
    const failed = Object.entries(failures)
      .map(([key, reason]) => ({ segment: jobIdFromKey(key), reason: String(reason) }))
      .sort((a, b) => (a.segment < b.segment ? -1 : 1));
    const { date } = job.data;
    const { manifest, location } = this.objectStorage
      ? await commitDateToObjects(this.objectStorage, this.journalDir!, date, failed).then((r) => ({
          manifest: r.manifest,
          location: `${this.outRoot}/${r.manifestKey}`,
        }))
      : await commitDate(this.outRoot, date, failed).then((r) => ({ ...r, location: r.manifestPath }));
    if (this.options.compact) await compactClosedDate(this.options.outputDir, date, this.logger);
    return {
      date,
      complete: manifest.complete,
      segments: manifest.segments.length,
      failed: failed.map((f) => f.segment),
      manifest: location,
    };
  }

  private onState(_job: Job<SegmentJobData>, result: StateJobResult): void {
    this.tally.state(result);
  }

  private onConverted(job: Job<SegmentJobData>, result: ConvertJobResult): void {
    this.accounted.add(result.inputId);
    this.tally.converted(result);
    if (result.status === 'converted') {
      this.logger.info('segment converted', {
        segment: job.data.segment,
        ms: result.ms,
        quarantined: result.quarantinedLines,
      });
    }
  }

  private onCommitted(result: CommitJobResult): void {
    this.tally.committed(result);
    this.logger.info('date committed', {
      date: result.date,
      complete: result.complete,
      segments: result.segments,
    });
  }

  private async onFailed(queue: string, job: Job, error: Error): Promise<void> {
    const attempts = job.opts.attempts ?? 1;
    const final = job.attemptsMade >= attempts;
    const failure: JobFailure = {
      queue,
      job: job.id ?? '?',
      reason: error.message,
      attempts: job.attemptsMade,
      final,
    };
    this.tally.failed(failure, final && queue === this.queues.convert);
    if (final && queue === this.queues.convert) this.accounted.add((job.data as SegmentJobData).inputId);
    this.logger[final ? 'error' : 'warn'](final ? 'job failed' : 'job attempt failed, will retry', {
      ...failure,
    });
    if (!final || queue !== this.queues.convert) return;
    const data = job.data as SegmentJobData;
    try {
      await this.storage.fail(data.url, {
        segment: data.segment,
        failed_at: new Date().toISOString(),
        error: error.message,
        attempts: job.attemptsMade,
        job: `${queue}/${job.id}`,
      });
    } catch (e) {
      this.logger.warn('could not move the failed segment aside', {
        segment: data.segment,
        error: errorMessage(e),
      });
    }
  }
}
