/** The live-stream part of the package's API (one place for index.ts to export it from). */
export type { CoinbaseChain, CoinbaseChainOptions } from './coinbase-chain.js';
export { buildCoinbaseChain } from './coinbase-chain.js';
export type { LiveFeaturesOptions } from './live-features.js';
export { LiveFeatures } from './live-features.js';
export type {
  CoinbaseStreamPipelineOptions,
  StreamCommit,
  StreamRunOptions,
  StreamSummary,
} from './stream-pipeline.js';
export { CoinbaseStreamPipeline } from './stream-pipeline.js';
