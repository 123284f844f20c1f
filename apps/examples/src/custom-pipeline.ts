/**
 * Seed usage "1. Build Custom Pipelines": a reader, a list of processors and a writer, composed by
 * ETLPipeline — here one segment's level2 channel with the rebuilt book and features.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/custom-pipeline.ts
 */
import path from 'node:path';
import type { Stats } from '@etl/core';
import { ETLPipeline, type PipelineResult } from '@etl/orchestrator';
import { Level2Processor, RawParser } from '@etl/processors-coinbase';
import { NDJSONReader } from '@etl/readers-ndjson';
import { ParquetWriter } from '@etl/writer-parquet';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

export interface CustomPipelineResult {
  readonly result: PipelineResult;
  /** The dataset directory written. */
  readonly dataset: string;
  readonly stats: { readonly reader: Stats; readonly processor: Stats; readonly writer: Stats };
}

export async function run(options: ExampleOptions = {}): Promise<CustomPipelineResult> {
  const { segment, output } = sampleWorkspace(options);
  const pipeline = new ETLPipeline({
    reader: new NDJSONReader(),
    processors: [
      // Only level2 rows, and no control rows: the other channels' sequence numbers are gone, so
      // the level2 processor cannot judge gaps ('off'). Parse every channel (see processor-chain.ts)
      // to keep the gap check.
      new RawParser({ source: 'coinbase', channel: 'level2' }),
      new Level2Processor({ reconstructLob: true, computeFeatures: true, sequenceCheck: 'off' }),
    ],
    writer: new ParquetWriter(),
  });
  const dataset = path.join(output, 'coinbase', 'level2');
  const result = await pipeline.execute({
    input: segment,
    output: dataset,
    partitionCols: ['product_id', 'date'],
  });
  // Every component reports stats (the processor's per stage, under `stages`).
  const stats = {
    reader: pipeline.reader.stats(),
    processor: pipeline.processor.stats(),
    writer: pipeline.writer.stats(),
  };
  return { result, dataset, stats };
}

if (isMain(import.meta.url)) {
  const { result, dataset, stats } = await run({ workDir: scriptWorkDir(import.meta.url) });
  printResult(`Wrote ${result.rows} rows in ${result.files} file(s) to ${dataset}; stats:`, stats);
}
