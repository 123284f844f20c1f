/**
 * Seed usage "Custom Pipeline Configuration": the seed's own snake_case channel config, carried
 * over unchanged — per channel partition columns and processor options.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/custom-channel-config.ts
 */
import { ETLJob, type JobSummary } from '@etl/orchestrator';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

/** As in the seed guide. A camelCase spelling (`partitionCols`, `processorOptions`, ...) works too. */
const CHANNEL_CONFIG = {
  level2: {
    partition_cols: ['product_id', 'date'], // partition by symbol and date
    processor_options: {
      add_derived_fields: true,
      reconstruct_lob: true, // rebuild the order book
      compute_features: true, // microprice, imbalance, OFI, depth
    },
  },
  market_trades: {
    partition_cols: ['product_id', 'date'],
    processor_options: {
      add_derived_fields: true,
      infer_aggressor: false, // no aggressor_side column
    },
  },
  ticker: {
    partition_cols: ['date', 'hour'], // time-based partitioning
    processor_options: { add_derived_fields: true },
  },
};

export interface CustomChannelConfigResult {
  readonly summary: JobSummary;
  readonly outputDir: string;
}

export async function run(options: ExampleOptions = {}): Promise<CustomChannelConfigResult> {
  const { ready, output } = sampleWorkspace(options);
  const job = new ETLJob({
    inputDir: ready,
    outputDir: output,
    source: 'coinbase',
    channelConfig: CHANNEL_CONFIG,
  });
  return { summary: await job.processAll(), outputDir: output };
}

if (isMain(import.meta.url)) {
  const { summary, outputDir } = await run({ workDir: scriptWorkDir(import.meta.url) });
  printResult(`Datasets written under ${outputDir}/coinbase:`, summary.datasets);
}
