/**
 * Turns ready segments into jobs. Per date of the batch, one BullMQ Flow:
 *
 *   commit(date) ← convert(segment) ← state(predecessor of segment)
 *
 * so a conversion starts once the book state it restores is saved, and the date's commit runs
 * once all its conversions are done. Job ids are segment ids: a segment already queued (waiting,
 * running or done) is not added again. A segment whose jobs failed for good and which is back
 * in the ready directory is queued afresh (that is how a failed segment is retried).
 *
 * The chain order is kept in Redis (a sorted set of every segment id ever enqueued), so the
 * first segment of a batch finds its predecessor in an earlier batch.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Logger, type Stats, StatsCollector, silentLogger } from '@etl/core';
import { type FlowJob, FlowProducer, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { checkRedis, type RedisConnectionOptions, toConnectionOptions } from './redis-connection.js';
import {
  COMMIT_JOB,
  CONVERT_JOB,
  type CommitJobData,
  epochKey,
  jobIdFromKey,
  type SegmentJobData,
  type SegmentQueueNames,
  STATE_JOB,
  segmentQueueNames,
} from './segment-jobs.js';
import { type ReadySegment, type SegmentStorage, SharedFileSystemStorage } from './segment-storage.js';

export interface SegmentEnqueuerOptions {
  readonly connection: string | RedisConnectionOptions;
  readonly queueName?: string;
  readonly prefix?: string;
  /** Attempts per job before it fails for good (default 3). */
  readonly attempts?: number;
  /** First retry delay; doubles at each retry (default 1000 ms). */
  readonly backoffMs?: number;
  readonly storage?: SegmentStorage;
  readonly logger?: Logger;
}

export interface EnqueueResult {
  /** Segments seen. */
  readonly segments: number;
  /** Segment ids queued now (retried ones included). */
  readonly added: readonly string[];
  /** Segment ids already queued or done: nothing added for them. */
  readonly alreadyQueued: readonly string[];
  /** Segment ids whose failed jobs were replaced by fresh ones. */
  readonly retried: readonly string[];
  /** One commit flow per date of the added segments. */
  readonly dates: readonly {
    readonly date: string;
    readonly commitJob: string;
    readonly segments: readonly string[];
  }[];
}

interface SegmentInfo {
  readonly segment: string;
  readonly url: string;
  readonly date: string | null;
}

export class SegmentEnqueuer {
  readonly queues: SegmentQueueNames;
  readonly connection: RedisConnectionOptions;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly storage: SegmentStorage;
  private readonly stats_ = new StatsCollector('segment-enqueuer');
  private handles:
    | { state: Queue; convert: Queue; commit: Queue; flows: FlowProducer; redis: Redis }
    | undefined;

  constructor(private readonly options: SegmentEnqueuerOptions) {
    this.connection = toConnectionOptions(options.connection);
    this.queues = segmentQueueNames(options.queueName);
    this.prefix = options.prefix ?? 'bull';
    this.logger = options.logger ?? silentLogger;
    this.storage = options.storage ?? new SharedFileSystemStorage();
  }

  /** Redis key of the chain (every segment id ever enqueued, in id order). */
  get chainKey(): string {
    return `${this.prefix}:${this.queues.base}:chain`;
  }

  /** Redis key of the segments' URLs and dates, for state jobs added after their own batch. */
  get infoKey(): string {
    return `${this.prefix}:${this.queues.base}:segments`;
  }

  /** Queues every ready segment under `location` (a directory path or URL). */
  async enqueue(location: string): Promise<EnqueueResult> {
    return this.enqueueSegments(await this.storage.list(location));
  }

  async enqueueSegments(segments: readonly ReadySegment[]): Promise<EnqueueResult> {
    const h = await this.open();
    const sorted = [...segments].sort((a, b) => (a.inputId < b.inputId ? -1 : a.inputId > b.inputId ? 1 : 0));
    const fresh: ReadySegment[] = [];
    const alreadyQueued: string[] = [];
    const retried: string[] = [];
    for (const s of sorted) {
      const state = await h.convert.getJobState(s.inputId);
      if (state === 'unknown') fresh.push(s);
      else if (state === 'failed') {
        await this.removeFailed(s.inputId);
        retried.push(s.inputId);
        fresh.push(s);
      } else alreadyQueued.push(s.inputId);
    }
    this.stats_.recordsIn += sorted.length;
    if (!fresh.length) return { segments: sorted.length, added: [], alreadyQueued, retried, dates: [] };

    const client = h.redis;
    const epoch = await this.epoch();
    const [last] = await client.zrevrangebylex(this.chainKey, '+', '-', 'LIMIT', 0, 1);
    const firstNew = fresh.find((s) => !retried.includes(s.inputId));
    if (last !== undefined && firstNew && firstNew.inputId < last) {
      this.logger.warn(
        'segments arrive after later ones were queued; the books of the later ones may differ from a sequential run',
        {
          first: firstNew.inputId,
          latest_queued: last,
        },
      );
    }
    const multi = client.multi();
    for (const s of fresh) {
      multi.zadd(this.chainKey, 0, s.inputId);
      multi.hset(
        this.infoKey,
        s.inputId,
        JSON.stringify({ segment: s.segment, url: s.url, date: s.date } satisfies SegmentInfo),
      );
    }
    await multi.exec();

    const byDate = new Map<string, FlowJob[]>();
    for (const s of fresh) {
      const predecessor = await this.predecessorOf(s.inputId);
      const children: FlowJob[] = [];
      if (predecessor !== null) {
        const stateChild = await this.stateJobFor(predecessor);
        if (stateChild) children.push(stateChild);
      }
      const data: SegmentJobData = {
        segment: s.segment,
        inputId: s.inputId,
        url: s.url,
        predecessor,
        date: s.date,
        epoch,
      };
      const date = s.date ?? 'undated';
      let list = byDate.get(date);
      if (!list) byDate.set(date, (list = []));
      list.push({
        name: CONVERT_JOB,
        queueName: this.queues.convert,
        data,
        opts: { jobId: s.inputId, ...this.retryOptions(), ignoreDependencyOnFailure: true },
        children,
      });
    }
    const dates: { date: string; commitJob: string; segments: string[] }[] = [];
    const flows: FlowJob[] = [];
    for (const [date, children] of byDate) {
      const ids = children.map((c) => (c.data as SegmentJobData).inputId);
      const commitJob = `commit-${date}-${createHash('sha1').update(ids.join('\n')).digest('hex').slice(0, 12)}`;
      const data: CommitJobData = { date, segments: ids, epoch };
      flows.push({
        name: COMMIT_JOB,
        queueName: this.queues.commit,
        data,
        opts: { jobId: commitJob, ...this.retryOptions() },
        children,
      });
      dates.push({ date, commitJob, segments: ids });
    }
    await h.flows.addBulk(flows);
    this.stats_.recordsOut += fresh.length;
    this.stats_.count('flows', flows.length);
    this.stats_.count('retried', retried.length);
    this.logger.info('segments queued', {
      added: fresh.length,
      already_queued: alreadyQueued.length,
      dates: dates.map((d) => d.date),
    });
    return { segments: sorted.length, added: fresh.map((s) => s.inputId), alreadyQueued, retried, dates };
  }

  stats(): Stats {
    return this.stats_.snapshot();
  }

  async close(): Promise<void> {
    const h = this.handles;
    this.handles = undefined;
    if (h)
      await Promise.all([
        h.state.close(),
        h.convert.close(),
        h.commit.close(),
        h.flows.close(),
        h.redis.quit(),
      ]);
  }

  private async open(): Promise<NonNullable<SegmentEnqueuer['handles']>> {
    if (this.handles) return this.handles;
    await checkRedis(this.connection);
    const opts = { connection: { ...this.connection }, prefix: this.prefix };
    const handles = {
      state: new Queue(this.queues.state, opts),
      convert: new Queue(this.queues.convert, opts),
      commit: new Queue(this.queues.commit, opts),
      flows: new FlowProducer(opts),
      // The chain's own keys; BullMQ's connections are its own business.
      redis: new Redis({ ...this.connection, maxRetriesPerRequest: null }),
    };
    const onError = (error: unknown) => this.logger.warn('queue connection error', { error: String(error) });
    for (const q of [handles.state, handles.convert, handles.commit]) q.on('error', onError);
    handles.flows.on('error', onError);
    handles.redis.on('error', onError);
    await handles.state.setGlobalConcurrency(1);
    this.handles = handles;
    return handles;
  }

  private retryOptions() {
    return {
      attempts: this.options.attempts ?? 3,
      backoff: { type: 'exponential' as const, delay: this.options.backoffMs ?? 1000 },
      // Done jobs stay, so enqueueing a segment again is recognised; failed ones stay for inspection.
      removeOnComplete: false,
      removeOnFail: false,
    };
  }

  private async predecessorOf(inputId: string): Promise<string | null> {
    const client = this.handles!.redis;
    const [previous] = await client.zrevrangebylex(this.chainKey, `(${inputId}`, '-', 'LIMIT', 0, 1);
    return previous ?? null;
  }

  /**
   * The state job of `inputId` as a flow child, or undefined when the conversion need not (or
   * cannot) wait for it: the state job is finished already (done, or failed for good: then the
   * latest earlier state is restored, as in a sequential run), or it already belongs to another
   * conversion (a segment that arrived out of order; a job has one parent).
   */
  private async stateJobFor(inputId: string): Promise<FlowJob | undefined> {
    const h = this.handles!;
    const existing = await h.state.getJob(inputId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') return undefined;
      if (existing.parentKey && (await h.convert.getJobState(jobIdFromKey(existing.parentKey))) !== 'unknown')
        return undefined;
    }
    const client = h.redis;
    const raw = await client.hget(this.infoKey, inputId);
    if (!raw) return undefined;
    const info = JSON.parse(raw) as SegmentInfo;
    const data: SegmentJobData = {
      ...info,
      inputId,
      predecessor: await this.predecessorOf(inputId),
      epoch: await this.epoch(),
    };
    return {
      name: STATE_JOB,
      queueName: this.queues.state,
      data,
      opts: { jobId: inputId, ...this.retryOptions(), ignoreDependencyOnFailure: true },
    };
  }

  /** The queue's epoch, created by the first enqueue into an empty Redis (see `epochKey`). */
  private async epoch(): Promise<string> {
    const client = this.handles!.redis;
    const key = epochKey(this.prefix, this.queues);
    await client.set(key, randomUUID(), 'NX');
    const epoch = await client.get(key);
    if (epoch === null) throw new Error(`Redis lost ${key} right after it was written`);
    return epoch;
  }

  /** Removes a segment's failed convert job (and its failed state job) so it can be queued again. */
  private async removeFailed(inputId: string): Promise<void> {
    const h = this.handles!;
    const convert = await h.convert.getJob(inputId);
    // Its children (the predecessor's state) are kept: they are shared history, not this segment's.
    if (convert) await convert.remove({ removeChildren: false });
    const state = await h.state.getJob(inputId);
    if (state && (await state.getState()) === 'failed') await state.remove({ removeChildren: false });
  }
}
