export type {
  BuiltinDataset,
  ChannelConfig,
  ChannelConfigMap,
  ProcessorRef,
  ResolvedChannel,
  ResolvedChannels,
} from './channel-config.js';
export {
  BUILTIN_DATASETS,
  camelizeKeys,
  DEFAULT_CHANNEL_CONFIG,
  resolveChannelConfig,
} from './channel-config.js';
export { CheckpointStore } from './checkpoint-store.js';
export { datasetOfRow, routeRows } from './dataset-router.js';
export type { ETLJobOptions, JobEvent, JobSummary } from './job.js';
export { ETLJob, stageDir } from './job.js';
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
  coinbaseDatasetPartitions,
  coinbaseDatasetSchema,
  LIVE_FEATURES_CHANNEL,
  LiveFeatures,
  liveFeaturesSchema,
} from './live.js';
export type { ETLPipelineOptions, ExecuteOptions, PipelineResult } from './pipeline.js';
export { ETLPipeline } from './pipeline.js';
export { QuarantineCollector } from './quarantine-file.js';
export { QuarantineSpool } from './quarantine-spool.js';
export type { ClaimOptions, ClaimState, SegmentClaim } from './segment-claim.js';
export {
  claimSegment,
  claimStates,
  DEFAULT_CLAIM_STALE_MS,
  releaseSegment,
  sweepClaims,
} from './segment-claim.js';
export type {
  CommitOptions,
  ManifestFile,
  ManifestInput,
  ManifestSideFile,
  RecoveryReport,
  SegmentManifest,
} from './segment-commit.js';
export {
  commitSegment,
  finishCommit,
  MANIFEST_DIR,
  manifestPath,
  readManifest,
  recoverOutput,
  SegmentPublishError,
} from './segment-commit.js';
export { isSegmentFile, segmentDate, segmentId } from './segment-id.js';
export type {
  CoinbaseSegmentPipelineOptions,
  CoinbaseSource,
  DatasetSummary,
  ProcessSegmentOptions,
  SegmentResult,
} from './segment-pipeline.js';
export { CoinbaseSegmentPipeline, SOURCE } from './segment-pipeline.js';
export { SegmentStatePass, type StatePassResult } from './segment-state-pass.js';
export { DEFAULT_SETTLE_MS } from './settle-gate.js';
