/**
 * Seed section "Querying Partitioned Data — Using Polars": lazy scans of the datasets with
 * nodejs-polars. `hivePartitioning` restores product_id/date from the paths (date as a Date) and
 * prunes files from filters on them; timestamps come back as Datetime(ns).
 *
 * The seed's dynamic grouping is fixed here: bars are grouped `by` product (the seed mixed
 * symbols) on the trades' `time` column (the seed used a `timestamp` column trades do not have).
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/query-polars.ts
 */
import path from 'node:path';
import pl from 'nodejs-polars';
import { run as runBasicJob } from './basic-job.js';
import { type ExampleOptions, isMain, scriptWorkDir } from './sample-workspace.js';

export interface PolarsQueryResult {
  readonly outputDir: string;
  /** Level2 rows of one product and day (lazy scan, pruned by partition). */
  readonly btcDay: pl.DataFrame;
  /** One-minute OHLCV + VWAP bars per product from the trades. */
  readonly bars: pl.DataFrame;
}

/** A lazy scan of one dataset of `<outputDir>/coinbase/`. */
function scan(outputDir: string, name: string): pl.LazyDataFrame {
  return pl.scanParquet(path.join(outputDir, 'coinbase', name, '**', '*.parquet'), {
    hivePartitioning: true,
  });
}

export async function run(options: ExampleOptions & { outputDir?: string } = {}): Promise<PolarsQueryResult> {
  const outputDir = options.outputDir ?? (await runBasicJob(options)).outputDir;
  const btcDay = scan(outputDir, 'level2')
    .filter(pl.col('product_id').eq(pl.lit('BTC-USD')))
    .filter(pl.col('date').eq(pl.lit(new Date(Date.UTC(2026, 7, 9)))))
    .select(
      pl.len().alias('rows'),
      pl.col('is_snapshot').sum().alias('snapshot_rows'),
      pl.col('server_timestamp').max().alias('last_update'),
      pl.col('mid_price').last().alias('last_mid'),
    )
    .collectSync();
  const bars = scan(outputDir, 'market_trades')
    .sort('time')
    .groupByDynamic({ indexColumn: 'time', every: '1m', by: 'product_id' })
    .agg(
      pl.col('price').first().alias('open'),
      pl.col('price').max().alias('high'),
      pl.col('price').min().alias('low'),
      pl.col('price').last().alias('close'),
      pl.col('size').sum().alias('volume'),
      pl.col('price').mul(pl.col('size')).sum().div(pl.col('size').sum()).alias('vwap'),
      pl.len().alias('trades'),
    )
    .rename({ time: 'bar_start' })
    .sort(['product_id', 'bar_start'])
    .collectSync();
  return { outputDir, btcDay, bars };
}

if (isMain(import.meta.url)) {
  const { outputDir, btcDay, bars } = await run({ workDir: scriptWorkDir(import.meta.url) });
  console.log(`Queried the datasets the basic job wrote under ${outputDir}/coinbase`);
  console.log(`BTC-USD on 2026-08-09:\n${btcDay.toString()}\n1-minute bars:\n${bars.toString()}`);
}
