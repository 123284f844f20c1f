/**
 * Seed usage "5. Segment Pipeline (Multi-Channel)": one segment into every channel's dataset in
 * a single pass (read and parsed once), then the same segment again limited to two channels.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/segment-pipeline.ts
 */
import path from 'node:path';
import { CoinbaseSegmentPipeline, type SegmentResult } from '@etl/orchestrator';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

export interface SegmentPipelineResult {
  /** Every channel, into `<root>/all/coinbase/...`. */
  readonly all: SegmentResult;
  readonly allDir: string;
  /** Only level2 and market_trades, into `<root>/some/coinbase/...`. */
  readonly some: SegmentResult;
  readonly someDir: string;
}

export async function run(options: ExampleOptions = {}): Promise<SegmentPipelineResult> {
  const { root, segment } = sampleWorkspace(options);
  const channelConfig = {
    level2: { partition_cols: ['product_id', 'date'], processor_options: { reconstruct_lob: true } },
    market_trades: { partition_cols: ['product_id', 'date'] },
    ticker: { partition_cols: ['date', 'hour'] },
  };
  const allDir = path.join(root, 'all');
  const all = await new CoinbaseSegmentPipeline({ outputDir: allDir, channelConfig }).processSegment(segment);
  const someDir = path.join(root, 'some');
  const some = await new CoinbaseSegmentPipeline({ outputDir: someDir, channelConfig }).processSegment(
    segment,
    {
      channels: ['level2', 'market_trades'],
    },
  );
  return { all, allDir, some, someDir };
}

if (isMain(import.meta.url)) {
  const { all, allDir, some, someDir } = await run({ workDir: scriptWorkDir(import.meta.url) });
  printResult(
    `Rows per dataset, all channels (in ${allDir}) / level2 and market_trades only (in ${someDir}):`,
    {
      all: all.datasets,
      some: some.datasets,
    },
  );
}
