/**
 * Tells "the queue is empty because the work is done" from "the queue is empty because Redis
 * forgot it" (restarted without persistence, flushed, failed over to an empty replica). The
 * enqueuer writes an epoch key into Redis and stamps it on every job; the worker remembers the
 * epochs and the jobs it saw, and the queue's state is lost when the epoch key changed or
 * vanished, or a job it saw is unknown to its queue.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { epochKey, type SegmentJobData, type SegmentQueueNames } from './segment-jobs.js';

export interface QueueStateLoss {
  /** What showed the loss. */
  readonly reason: string;
  /**
   * Segments this worker saw queued and did not convert: still in `ready/` (a conversion is
   * all-or-nothing and the input is removed only after its commit), to be enqueued again.
   */
  readonly unaccounted_segments: string[];
  /** Jobs the queue still had to run at the last look before the loss (any worker's). */
  readonly pending_before: number;
  /** The ready directory of the segments this worker saw (where to enqueue again), when on a file system. */
  readonly ready_dir: string | null;
}

interface SeenJob {
  readonly queue: Queue;
  readonly id: string;
  readonly inputId: string | undefined;
  readonly url: string | undefined;
}

export class QueueLossWatch {
  private readonly key: string;
  private knownEpoch: string | undefined;
  private readonly seen = new Map<string, SeenJob>();
  private reason: string | undefined;
  private pendingBefore = 0;

  constructor(prefix: string, queues: SegmentQueueNames) {
    this.key = epochKey(prefix, queues);
  }

  get lost(): boolean {
    return this.reason !== undefined;
  }

  /** A job became active in this worker. */
  saw(queue: Queue, job: { id?: string | undefined; data: unknown }): void {
    if (job.id === undefined) return;
    const data = job.data as Partial<SegmentJobData> | undefined;
    if (typeof data?.epoch === 'string' && this.knownEpoch === undefined) this.knownEpoch = data.epoch;
    if (typeof data?.epoch === 'string' && data.epoch !== this.knownEpoch)
      this.reason ??= `a job of queue epoch ${data.epoch} arrived after epoch ${this.knownEpoch}`;
    this.seen.set(`${queue.name}/${job.id}`, {
      queue,
      id: job.id,
      inputId: typeof data?.inputId === 'string' ? data.inputId : undefined,
      url: typeof data?.url === 'string' ? data.url : undefined,
    });
  }

  /** Compares the epoch key with the one seen before; `pending` is what the queue reports now. */
  async check(redis: Pick<Redis, 'get'>, pending: number): Promise<void> {
    if (this.reason !== undefined) return;
    const current = await redis.get(this.key);
    if (this.knownEpoch === undefined) {
      if (current !== null) this.knownEpoch = current;
    } else if (current !== this.knownEpoch) {
      this.reason =
        current === null
          ? `the queue's epoch key ${this.key} is gone from Redis (restarted without persistence, or flushed)`
          : `the queue's epoch key ${this.key} changed (Redis lost its state and the queue was filled again)`;
      return;
    }
    this.pendingBefore = pending;
  }

  /** After the run: every job this worker saw must still be known to its queue. */
  async checkJobs(): Promise<void> {
    if (this.reason !== undefined) return;
    for (const s of this.seen.values()) {
      if ((await s.queue.getJobState(s.id)) === 'unknown') {
        this.reason = `job ${s.queue.name}/${s.id}, run by this worker, is unknown to Redis now`;
        return;
      }
    }
  }

  /** The loss, if any; `accounted` are the segments whose conversion this worker saw end (done or failed). */
  result(accounted: ReadonlySet<string>, convertQueue: string): QueueStateLoss | undefined {
    if (this.reason === undefined) return undefined;
    const unaccounted = new Set<string>();
    let readyDir: string | null = null;
    for (const s of this.seen.values()) {
      if (readyDir === null && s.url?.startsWith('file:')) readyDir = path.dirname(fileURLToPath(s.url));
      if (s.queue.name === convertQueue && s.inputId !== undefined && !accounted.has(s.inputId))
        unaccounted.add(s.inputId);
    }
    return {
      reason: this.reason,
      unaccounted_segments: [...unaccounted].sort(),
      pending_before: this.pendingBefore,
      ready_dir: readyDir,
    };
  }
}
