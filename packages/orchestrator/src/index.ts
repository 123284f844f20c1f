export type {
  ChannelConfig,
  ChannelConfigMap,
  ProcessorRef,
  ResolvedChannel,
  ResolvedChannels,
} from './channel-config.js';
export { resolveChannelConfig } from './channel-config.js';
export type { CompactDatasetSummary, CompactOptions, CompactSummary } from './compaction.js';
export { compactOutput, DEFAULT_COMPACT_FILE_BYTES, partitionDate } from './compaction.js';
export { ClosedDateCompactor, type ClosedDateCompactorOptions } from './compaction-schedule.js';
export type { ETLJobOptions, JobEvent, JobSummary } from './job.js';
export { ETLJob } from './job.js';
export type {
  CoinbaseChain,
  CoinbaseChainOptions,
  CoinbaseStreamPipelineOptions,
  LiveFeaturesOptions,
  StreamCommit,
  StreamRunOptions,
  StreamSummary,
} from './live.js';
export {
  buildCoinbaseChain,
  CoinbaseStreamPipeline,
  LiveFeatures,
} from './live.js';
export type { ObjectRecoveryReport } from './object-storage-commit.js';
export {
  abortPendingUploads,
  publishedKeys,
  publishSegment,
  readObjectManifest,
  recoverObjectOutput,
  rollForwardCommit,
  rollForwardCommits,
} from './object-storage-commit.js';
export { InputLeaseHeldError } from './object-storage-lease.js';
export { downloadObject, mirrorPrefix } from './object-storage-mirror.js';
export type { ObjectStorageRunOptions } from './object-storage-run.js';
export { ObjectStorageRun, stageLocation } from './object-storage-run.js';
export type { ETLPipelineOptions, ExecuteOptions, PipelineResult } from './pipeline.js';
export { ETLPipeline } from './pipeline.js';
export { loadPlugins, resolvePlugin } from './plugin-loader.js';
export type { RecoveryReport } from './segment-commit.js';
export { recoverOutput } from './segment-commit.js';
export { isSegmentFile, segmentDate, segmentId } from './segment-id.js';
export type {
  CoinbaseSegmentPipelineOptions,
  CoinbaseSource,
  DatasetSummary,
  ProcessSegmentOptions,
  SegmentResult,
} from './segment-pipeline.js';
export { CoinbaseSegmentPipeline } from './segment-pipeline.js';
export { SegmentStatePass, type StatePassResult } from './segment-state-pass.js';
export { DEFAULT_SETTLE_MS } from './settle-gate.js';
export type { SourceChoice } from './sources.js';
export { BUILTIN_SOURCES, resolveSource } from './sources.js';
