/** What a pipeline's queues hold right now: counts per queue and state, and why jobs failed. */
import { Queue } from 'bullmq';
import { checkRedis, type RedisConnectionOptions, toConnectionOptions } from './redis-connection.js';
import { segmentQueueNames } from './segment-jobs.js';

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  /** Jobs waiting for their children (a conversion for its predecessor's state, a commit for its date). */
  waiting_children: number;
  done: number;
  failed: number;
}

export interface FailedJob {
  readonly queue: string;
  readonly job: string;
  readonly name: string;
  readonly reason: string;
  readonly attempts: number;
  /** ISO time of the last attempt's end. */
  readonly failed_at: string | null;
}

export interface QueueStatus {
  readonly queue: string;
  readonly redis_version: string;
  /** Sums over the pipeline's queues. */
  readonly totals: JobCounts;
  readonly queues: Readonly<Record<'state' | 'convert' | 'commit', JobCounts>>;
  /** Newest first, at most `failureLimit` per queue. */
  readonly failures: readonly FailedJob[];
}

export interface QueueStatusOptions {
  readonly connection: string | RedisConnectionOptions;
  readonly queueName?: string;
  readonly prefix?: string;
  /** Failed jobs listed per queue (default 50). */
  readonly failureLimit?: number;
}

function emptyCounts(): JobCounts {
  return { waiting: 0, active: 0, delayed: 0, waiting_children: 0, done: 0, failed: 0 };
}

export async function readQueueStatus(options: QueueStatusOptions): Promise<QueueStatus> {
  const connection = toConnectionOptions(options.connection);
  const names = segmentQueueNames(options.queueName);
  const redisVersion = await checkRedis(connection);
  const totals = emptyCounts();
  const queues = { state: emptyCounts(), convert: emptyCounts(), commit: emptyCounts() };
  const failures: FailedJob[] = [];
  const limit = options.failureLimit ?? 50;
  for (const kind of ['state', 'convert', 'commit'] as const) {
    const q = new Queue(names[kind], { connection: { ...connection }, prefix: options.prefix ?? 'bull' });
    q.on('error', () => {});
    try {
      const c = await q.getJobCounts(
        'waiting',
        'prioritized',
        'active',
        'delayed',
        'waiting-children',
        'completed',
        'failed',
      );
      const counts: JobCounts = {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        waiting_children: c['waiting-children'] ?? 0,
        done: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
      queues[kind] = counts;
      for (const k of Object.keys(totals) as (keyof JobCounts)[]) totals[k] += counts[k];
      if (counts.failed > 0 && limit > 0) {
        for (const job of await q.getFailed(0, limit - 1)) {
          failures.push({
            queue: names[kind],
            job: job.id ?? '?',
            name: job.name,
            reason: job.failedReason,
            attempts: job.attemptsMade,
            failed_at: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
          });
        }
      }
    } finally {
      await q.close();
    }
  }
  return { queue: names.base, redis_version: redisVersion, totals, queues, failures };
}
