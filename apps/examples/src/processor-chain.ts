/**
 * Seed usage "4. Chain Multiple Processors": a ProcessorChain is itself a processor. This one
 * parses every channel, rebuilds the books, stamps each trade with the book just before it,
 * infers the aggressor from it, and keeps the trades: a cross-channel dataset
 * (`trades_with_book`) that no single channel holds.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/processor-chain.ts
 */
import path from 'node:path';
import { mapProcessor, ProcessorChain, type Row, type SourceRecord, type Stats } from '@etl/core';
import { ETLPipeline, type PipelineResult } from '@etl/orchestrator';
import { Level2Processor, marketTradesSchema, RawParser, TradesProcessor } from '@etl/processors-coinbase';
import { NDJSONReader } from '@etl/readers-ndjson';
import { ParquetWriter } from '@etl/writer-parquet';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

export interface ProcessorChainResult {
  readonly dataset: string;
  readonly result: PipelineResult;
  /** The chain's stats: its own numbers and one entry per stage under `stages`. */
  readonly stats: Stats;
}

/** Parser → books → trades with aggressor → only the trades. */
function tradesWithBookChain(): ProcessorChain<SourceRecord, Row> {
  const level2 = new Level2Processor({ addDerivedFields: true, annotateTrades: true });
  const trades = new TradesProcessor({ addDerivedFields: true, inferAggressor: true });
  // The trades' schema after the stages that touch them: what the chain finally emits.
  const schema = trades.outputSchema(level2.outputSchema(marketTradesSchema));
  const onlyTrades = mapProcessor(
    'only-trades',
    (row: Row) => (row.channel === 'market_trades' ? row : undefined),
    () => schema,
  );
  // Every channel is parsed: the level2 processor sees every sequence number (gap check) and
  // every book update before the trades that follow it.
  return new ProcessorChain<SourceRecord, Row>(
    [new RawParser({ source: 'coinbase' }), level2, trades, onlyTrades],
    'trades-with-book',
  );
}

export async function run(options: ExampleOptions = {}): Promise<ProcessorChainResult> {
  const { segment, output } = sampleWorkspace(options);
  const chain = tradesWithBookChain();
  const pipeline = new ETLPipeline({
    reader: new NDJSONReader(),
    processors: chain,
    writer: new ParquetWriter(),
  });
  const dataset = path.join(output, 'coinbase', 'trades_with_book');
  const result = await pipeline.execute({
    input: segment,
    output: dataset,
    partitionCols: ['product_id', 'date'],
  });
  return { dataset, result, stats: chain.stats() };
}

if (isMain(import.meta.url)) {
  const { dataset, result, stats } = await run({ workDir: scriptWorkDir(import.meta.url) });
  printResult(
    `Wrote ${result.rows} trades to ${dataset}; chain stages:`,
    stats.stages?.map((s) => [s.name, s.recordsIn, s.recordsOut]),
  );
}
