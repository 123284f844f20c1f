/**
 * Seed section "Querying Partitioned Data — Using DuckDB": SQL over the datasets, from Node through
 * @duckdb/node-api. DuckDB reads the Hive layout (`hive_partitioning`), prunes partitions from a
 * WHERE on product_id/date, and reads our timestamps as TIMESTAMP_NS with every digit.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/query-duckdb.ts
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { run as runBasicJob } from './basic-job.js';
import { type ExampleOptions, isMain, printResult, scriptWorkDir } from './sample-workspace.js';

type Rows = Record<string, unknown>[];

export interface DuckDBQueryResult {
  readonly outputDir: string;
  /** Level2 rows of one product and day (partition pruning), with the last book. */
  readonly btcDay: Rows;
  /** Spread statistics over the rows whose book is valid. */
  readonly spread: Rows;
  /** One-minute OHLCV + VWAP bars per product, from the trades. */
  readonly bars: Rows;
  /**
   * Every trade with the book in force when it printed (ASOF LEFT JOIN of trades to level2): the
   * book columns are NULL for trades from before the first book (the trades snapshot's history).
   */
  readonly tradesAtBook: Rows;
  /** Coinbase's maker `side` against the aggressor inferred from the book. */
  readonly sides: Rows;
}

/** `read_parquet` of one dataset of `<outputDir>/coinbase/`, with its partition columns. */
function dataset(outputDir: string, name: string): string {
  const glob = path.join(outputDir, 'coinbase', name, '**', '*.parquet').replaceAll("'", "''");
  return `read_parquet('${glob}', hive_partitioning = true)`;
}

export async function run(options: ExampleOptions & { outputDir?: string } = {}): Promise<DuckDBQueryResult> {
  const outputDir = options.outputDir ?? (await runBasicJob(options)).outputDir;
  const level2 = dataset(outputDir, 'level2');
  const trades = dataset(outputDir, 'market_trades');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const query = async (sql: string): Promise<Rows> => (await db.runAndReadAll(sql)).getRowObjects() as Rows;
  try {
    const btcDay = await query(`
      SELECT count(*) AS rows,
             count(*) FILTER (WHERE is_snapshot) AS snapshot_rows,
             strftime(max(server_timestamp), '%Y-%m-%dT%H:%M:%S.%n') AS last_update,
             arg_max(mid_price, server_timestamp) AS last_mid
      FROM ${level2}
      WHERE product_id = 'BTC-USD' AND date = DATE '2026-08-09'`);
    const spread = await query(`
      SELECT avg(spread_bps) AS avg_spread_bps, min(spread) AS min_spread, max(spread) AS max_spread,
             avg(imbalance_l1) AS avg_imbalance_l1
      FROM ${level2}
      WHERE book_valid`);
    const bars = await query(`
      SELECT product_id,
             strftime(date_trunc('minute', time), '%Y-%m-%dT%H:%M:%SZ') AS bar_start,
             arg_min(price, time) AS open, max(price) AS high, min(price) AS low, arg_max(price, time) AS close,
             sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS trades
      FROM ${trades}
      GROUP BY ALL
      ORDER BY product_id, bar_start`);
    const tradesAtBook = await query(`
      SELECT t.trade_id, t.price, t.side, l.best_bid_price, l.best_ask_price
      FROM ${trades} t
      ASOF LEFT JOIN (SELECT DISTINCT product_id, server_timestamp, best_bid_price, best_ask_price
                 FROM ${level2} WHERE book_valid) l
        ON t.product_id = l.product_id AND t.time >= l.server_timestamp
      ORDER BY t.time, t.trade_id`);
    const sides = await query(`
      SELECT side AS maker_side, aggressor_side, count(*) AS trades
      FROM ${trades}
      GROUP BY ALL
      ORDER BY ALL`);
    return { outputDir, btcDay, spread, bars, tradesAtBook, sides };
  } finally {
    db.closeSync();
  }
}

if (isMain(import.meta.url)) {
  const { outputDir, btcDay, spread, bars, sides } = await run({ workDir: scriptWorkDir(import.meta.url) });
  console.log(`Queried the datasets the basic job wrote under ${outputDir}/coinbase`);
  printResult('BTC-USD on 2026-08-09:', btcDay);
  printResult('Spread:', spread);
  printResult('1-minute bars:', bars);
  printResult('Maker side vs inferred aggressor:', sides);
}
