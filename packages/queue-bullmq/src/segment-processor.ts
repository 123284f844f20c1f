/**
 * The sandboxed processor: BullMQ runs this module in worker threads, so a long segment keeps a
 * thread busy while the worker's main thread keeps renewing the job's lock (a job that blocked
 * the main event loop past its lock would be taken for stalled and run twice).
 *
 * A `state` job first waits for its predecessor's state to be settled: saved, or its job failed
 * for good or gone (then the segment restores the latest earlier state, as a sequential run does
 * after a failed segment). It waits by moving itself to the delayed set, never by holding a
 * thread, so a waiting job can never block the job it waits for.
 */
import { workerData } from 'node:worker_threads';
import {
  CoinbaseSegmentPipeline,
  type CoinbaseSegmentPipelineOptions,
  loadPlugins,
  SegmentStatePass,
} from '@etl/orchestrator';
import { DelayedError, Queue, type SandboxedJob, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { recordConversion } from './conversion-journal.js';
import { ObjectOutput, openObjectOutput } from './object-output.js';
import { type ProcessorSettings, readProcessorSettings } from './processor-settings.js';
import {
  CONVERT_JOB,
  type ConvertJobResult,
  epochKey,
  type SegmentJobData,
  STATE_JOB,
  type StateJobResult,
} from './segment-jobs.js';
import { SharedFileSystemStorage } from './segment-storage.js';
import { convertSegment, type SegmentTaskContext, saveSegmentState } from './segment-tasks.js';

interface ThreadContext extends SegmentTaskContext {
  readonly settings: ProcessorSettings;
  readonly stateQueue: Queue;
  /** For the queue's epoch key (BullMQ keeps its own connections to itself). */
  readonly redis: Redis;
}

let context: Promise<ThreadContext> | undefined;

async function createContext(): Promise<ThreadContext> {
  const settings = readProcessorSettings(workerData);
  // The thread's own copy of the plugins: their processors (and state) live in this thread.
  const registry = settings.plugins?.length
    ? await loadPlugins(settings.plugins, settings.pluginBaseDir ?? process.cwd())
    : undefined;
  const options: CoinbaseSegmentPipelineOptions = {
    ...(registry ? { registry } : {}),
    outputDir: settings.outputDir,
    ...(settings.source ? { source: settings.source } : {}),
    ...(settings.channelConfig ? { channelConfig: settings.channelConfig } : {}),
    ...(settings.compression ? { compression: settings.compression } : {}),
    ...(settings.maxErrors !== undefined ? { maxErrors: settings.maxErrors } : {}),
  };
  const stateQueue = new Queue(settings.queues.state, {
    connection: { ...settings.connection },
    prefix: settings.prefix,
  });
  // A lost connection surfaces in the job that needs it; the listener only keeps it off the console.
  stateQueue.on('error', () => {});
  const redis = new Redis({ ...settings.connection, maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', () => {});
  const pipeline = new CoinbaseSegmentPipeline(options);
  const objectOutput = settings.objectOutput
    ? new ObjectOutput(await openObjectOutput(settings.objectOutput), pipeline.outRoot)
    : undefined;
  return {
    ...(objectOutput ? { objectOutput } : {}),
    settings,
    pipeline,
    statePass: new SegmentStatePass(options),
    storage: new SharedFileSystemStorage(),
    keepInput: settings.keepInput,
    ...(settings.channels ? { channels: settings.channels } : {}),
    stateQueue,
    redis,
  };
}

/** True once the state after `predecessor` is saved or will never be. */
async function predecessorSettled(ctx: ThreadContext, data: SegmentJobData): Promise<boolean> {
  const predecessor = data.predecessor;
  if (predecessor === null) return true;
  if (await ctx.statePass.hasCheckpoint(predecessor)) return true;
  const state = await ctx.stateQueue.getJobState(predecessor);
  if (state === 'unknown' && data.epoch !== undefined) {
    // Unknown because Redis forgot the whole queue, not because the job was removed: going on
    // would save this segment's state without its predecessor's book, for every later segment.
    const key = epochKey(ctx.settings.prefix, ctx.settings.queues);
    const current = await ctx.redis.get(key);
    if (current !== data.epoch)
      throw new Error(
        `the queue's state in Redis was lost (${key} is ${current ?? 'gone'}); enqueue the segments again`,
      );
  }
  return state === 'completed' || state === 'failed' || state === 'unknown';
}

export default async function processSegmentJob(
  job: SandboxedJob<SegmentJobData>,
  token?: string,
): Promise<ConvertJobResult | StateJobResult> {
  context ??= createContext();
  const ctx = await context;
  switch (job.name) {
    case CONVERT_JOB: {
      const result = await convertSegment(ctx, job.data);
      if (result.status === 'converted' && ctx.settings.journal)
        await recordConversion(ctx.settings.journal, result);
      return result;
    }
    case STATE_JOB: {
      await ctx.objectOutput?.syncCheckpoints(job.data.inputId);
      const ready =
        (await ctx.statePass.hasCheckpoint(job.data.inputId)) || (await predecessorSettled(ctx, job.data));
      if (!ready) {
        await job.moveToDelayed(Date.now() + ctx.settings.waitPollMs, token);
        throw new DelayedError();
      }
      return saveSegmentState(ctx, job.data);
    }
    default:
      throw new UnrecoverableError(`unknown segment job "${job.name}"`);
  }
}
