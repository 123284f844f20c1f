/**
 * Seed usage "Basic Usage (Existing ETL Job)": process every ready segment with the default
 * channel config — level2 with the rebuilt book and its features, trades with the aggressor side,
 * tickers, candles — into Hive-partitioned Parquet.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/basic-job.ts
 */
import { ETLJob, type JobSummary } from '@etl/orchestrator';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

export interface BasicJobResult {
  readonly summary: JobSummary;
  /** Where the datasets are: `<outputDir>/coinbase/<dataset>/`. */
  readonly outputDir: string;
}

export async function run(options: ExampleOptions = {}): Promise<BasicJobResult> {
  const { ready, output } = sampleWorkspace(options);
  const job = new ETLJob({
    inputDir: ready,
    outputDir: output,
    source: 'coinbase',
    deleteAfterProcessing: true, // the segment is a copy; in production it moves on to done/ or is deleted
  });
  const summary = await job.processAll();
  return { summary, outputDir: output };
}

if (isMain(import.meta.url)) {
  const { summary, outputDir } = await run({ workDir: scriptWorkDir(import.meta.url) });
  printResult(`Datasets written under ${outputDir}/coinbase:`, summary.datasets);
}
