/**
 * Seed usage "2. Process Parquet → Parquet (Reprocessing)": run the level2 processor with book
 * features over an existing `level2` dataset into `level2_features`, without the raw segments.
 *
 * The sample is split into two segments first, as the collector rotates files, so the `level2`
 * partition holds two files and the book has to carry over from one to the next. ParquetReader
 * reads files in sorted path order; with the layout `product_id=…/date=…/part-<segment>-<n>.parquet`
 * and segment names that sort by time, that is time order per product (checked below).
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/reprocess-parquet.ts
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mapProcessor, type Row } from '@etl/core';
import { ETLJob, ETLPipeline, type PipelineResult } from '@etl/orchestrator';
import { Level2Processor, level2Schema } from '@etl/processors-coinbase';
import { ParquetReader } from '@etl/readers-parquet';
import { ParquetWriter } from '@etl/writer-parquet';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

/** The columns RawParser writes for level2: the book columns of the existing dataset are left out. */
const RAW_LEVEL2_COLUMNS: readonly string[] = level2Schema.fields.map((f) => f.name);

export interface ReprocessOptions extends ExampleOptions {
  /** Split the sample into this many segments before the first run (default 2). */
  readonly segments?: number;
}

export interface ReprocessResult {
  /** The existing dataset that was read, and the files in the order they were read. */
  readonly level2Dir: string;
  readonly filesRead: readonly string[];
  /** The new dataset. */
  readonly featuresDir: string;
  readonly result: PipelineResult;
  /** Rows whose server time was earlier than the previous row of their product (0 expected). */
  readonly outOfOrderRows: number;
}

/** Writes the sample as `parts` consecutive segments (whole lines) in place of the copy. */
function splitSample(segment: string, parts: number): void {
  const lines = readFileSync(segment, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  rmSync(segment);
  const size = Math.ceil(lines.length / parts);
  for (let i = 0; i < parts; i++) {
    const name = `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`;
    writeFileSync(
      path.join(path.dirname(segment), name),
      `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`,
    );
  }
}

export async function run(options: ReprocessOptions = {}): Promise<ReprocessResult> {
  const { segment, ready, output } = sampleWorkspace(options);
  splitSample(segment, options.segments ?? 2);
  // The existing dataset: what `etl run` would have written.
  await new ETLJob({ inputDir: ready, outputDir: output }).processAll();
  const level2Dir = path.join(output, 'coinbase', 'level2');
  const featuresDir = path.join(output, 'coinbase', 'level2_features');

  const reader = new ParquetReader({ columns: RAW_LEVEL2_COLUMNS });
  const filesRead = (await reader.files(level2Dir)).map((f) => path.relative(level2Dir, f));
  const lastTime = new Map<unknown, bigint>();
  let outOfOrderRows = 0;
  const timeOrder = mapProcessor('time-order-check', (row: Row) => {
    const time = row.server_timestamp as bigint;
    const previous = lastTime.get(row.product_id);
    if (previous !== undefined && time < previous) outOfOrderRows++;
    else lastTime.set(row.product_id, time);
    return row;
  });
  const pipeline = new ETLPipeline({
    reader,
    processors: [
      timeOrder,
      // Control rows (every sequence number) are not in Parquet: the gap check has nothing to follow.
      new Level2Processor({ computeFeatures: true, sequenceCheck: 'off' }),
    ],
    writer: new ParquetWriter(),
  });
  const result = await pipeline.execute({
    input: level2Dir,
    output: featuresDir,
    partitionCols: ['product_id', 'date'],
  });
  return { level2Dir, filesRead, featuresDir, result, outOfOrderRows };
}

if (isMain(import.meta.url)) {
  const { filesRead, featuresDir, result, outOfOrderRows } = await run({
    workDir: scriptWorkDir(import.meta.url),
  });
  printResult(`Read ${filesRead.length} files, wrote ${result.rows} rows to ${featuresDir}:`, {
    filesRead,
    outOfOrderRows,
    files: result.files,
  });
}
