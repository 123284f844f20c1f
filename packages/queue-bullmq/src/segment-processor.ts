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
  SegmentStatePass,
} from '@etl/orchestrator';
import { DelayedError, Queue, type SandboxedJob, UnrecoverableError } from 'bullmq';
import { type ProcessorSettings, readProcessorSettings } from './processor-settings.js';
import {
  CONVERT_JOB,
  type ConvertJobResult,
  type SegmentJobData,
  STATE_JOB,
  type StateJobResult,
} from './segment-jobs.js';
import { SharedFileSystemStorage } from './segment-storage.js';
import { convertSegment, type SegmentTaskContext, saveSegmentState } from './segment-tasks.js';

interface ThreadContext extends SegmentTaskContext {
  readonly settings: ProcessorSettings;
  readonly stateQueue: Queue;
}

let context: ThreadContext | undefined;

function createContext(): ThreadContext {
  const settings = readProcessorSettings(workerData);
  const options: CoinbaseSegmentPipelineOptions = {
    outputDir: settings.outputDir,
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
  return {
    settings,
    pipeline: new CoinbaseSegmentPipeline(options),
    statePass: new SegmentStatePass(options),
    storage: new SharedFileSystemStorage(),
    keepInput: settings.keepInput,
    ...(settings.channels ? { channels: settings.channels } : {}),
    stateQueue,
  };
}

/** True once the state after `predecessor` is saved or will never be. */
async function predecessorSettled(ctx: ThreadContext, predecessor: string | null): Promise<boolean> {
  if (predecessor === null) return true;
  if (await ctx.statePass.hasCheckpoint(predecessor)) return true;
  const state = await ctx.stateQueue.getJobState(predecessor);
  return state === 'completed' || state === 'failed' || state === 'unknown';
}

export default async function processSegmentJob(
  job: SandboxedJob<SegmentJobData>,
  token?: string,
): Promise<ConvertJobResult | StateJobResult> {
  context ??= createContext();
  const ctx = context;
  switch (job.name) {
    case CONVERT_JOB:
      return convertSegment(ctx, job.data);
    case STATE_JOB: {
      const ready =
        (await ctx.statePass.hasCheckpoint(job.data.inputId)) ||
        (await predecessorSettled(ctx, job.data.predecessor));
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
