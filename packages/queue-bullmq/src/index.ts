export type { DateCommit, DateManifest } from './date-commit.js';
export { commitDate, DATES_DIR, dateDir, SUCCESS_MARKER } from './date-commit.js';
export type { QueueStateLoss } from './queue-loss.js';
export type { FailedJob, JobCounts, QueueStatus, QueueStatusOptions } from './queue-status.js';
export { readQueueStatus } from './queue-status.js';
export type { RedisConnectionOptions } from './redis-connection.js';
export { checkRedis, describeRedis, parseRedisUrl } from './redis-connection.js';
export type { EnqueueResult, SegmentEnqueuerOptions } from './segment-enqueuer.js';
export { SegmentEnqueuer } from './segment-enqueuer.js';
export type {
  CommitJobData,
  CommitJobResult,
  ConvertJobResult,
  DatasetCounts,
  SegmentJobData,
  SegmentQueueNames,
  StateJobResult,
} from './segment-jobs.js';
export {
  COMMIT_JOB,
  CONVERT_JOB,
  DEFAULT_QUEUE_NAME,
  epochKey,
  STATE_JOB,
  segmentQueueNames,
} from './segment-jobs.js';
export type { FailureReport, ReadySegment, SegmentStorage } from './segment-storage.js';
export { SharedFileSystemStorage } from './segment-storage.js';
export type { SegmentTaskContext } from './segment-tasks.js';
export { convertSegment, saveSegmentState } from './segment-tasks.js';
export type { SegmentWorkerOptions } from './segment-worker.js';
export { SegmentWorker } from './segment-worker.js';
export type { JobFailure, WorkerSummary } from './worker-summary.js';
