/**
 * Seed usage "3. Custom Processors": the seed's VWAPProcessor, written against the Processor
 * contract of @etl/core and run over the existing `market_trades` Parquet dataset into `vwap_5m`.
 *
 * Fixed from the seed: windows are per product (its `groupby_dynamic` had no product key and mixed
 * symbols), the time column is the trade's `time` (trades have no `timestamp`), windows are
 * aligned to the UTC epoch and stamped at their start, and the state lives across batches (the
 * seed computed each batch on its own, splitting windows at batch edges). The toolkit's own,
 * fuller version is `TradeBarsProcessor` (buy/sell volume, out-of-order handling, checkpoints);
 * this example writes both so they can be compared.
 *
 *   pnpm --filter @etl/examples exec tsx --conditions=@etl/source src/custom-vwap-processor.ts
 */
import path from 'node:path';
import {
  col,
  defineSchema,
  type Processor,
  type Row,
  type Schema,
  type Stats,
  StatsCollector,
  utcDateKey,
} from '@etl/core';
import { ETLJob, ETLPipeline, type PipelineResult } from '@etl/orchestrator';
import { TradeBarsProcessor } from '@etl/processors-coinbase';
import { ParquetReader } from '@etl/readers-parquet';
import { ParquetWriter } from '@etl/writer-parquet';
import {
  type ExampleOptions,
  isMain,
  printResult,
  sampleWorkspace,
  scriptWorkDir,
} from './sample-workspace.js';

const vwapSchema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.timestamp('window_start', 'ns', { nullable: false }),
  col.double('vwap'),
  col.double('volume', { nullable: false }),
  col.double('low', { nullable: false }),
  col.double('high', { nullable: false }),
  col.double('open', { nullable: false }),
  col.double('close', { nullable: false }),
  col.int64('trades', { nullable: false }),
  col.date('date', { nullable: false }),
]);

interface Window {
  start: bigint;
  notional: number;
  volume: number;
  low: number;
  high: number;
  open: number;
  close: number;
  trades: number;
}

/** VWAP and OHLC per product and fixed window. Trades must come in time order per product. */
export class VWAPProcessor implements Processor<Row, Row> {
  readonly name = 'vwap';
  private readonly windowNs: bigint;
  private readonly open = new Map<string, Window>();
  private readonly collector = new StatsCollector('vwap');

  constructor(options: { windowMinutes?: number } = {}) {
    const minutes = options.windowMinutes ?? 5;
    if (!Number.isInteger(minutes) || minutes <= 0)
      throw new RangeError('windowMinutes must be a positive integer');
    this.windowNs = BigInt(minutes) * 60_000_000_000n;
  }

  outputSchema(): Schema {
    return vwapSchema;
  }

  process(batch: readonly Row[]): Row[] {
    const out: Row[] = [];
    for (const row of batch) {
      const { product_id: product, price, size, time } = row;
      if (
        typeof product !== 'string' ||
        typeof price !== 'number' ||
        typeof size !== 'number' ||
        typeof time !== 'bigint'
      ) {
        this.collector.count('skipped');
        continue;
      }
      const start = time - (time % this.windowNs);
      let w = this.open.get(product);
      if (w && w.start !== start) {
        out.push(this.close(product, w)); // a later window of the product: this one is complete
        w = undefined;
      }
      if (!w) {
        w = { start, notional: 0, volume: 0, low: price, high: price, open: price, close: price, trades: 0 };
        this.open.set(product, w);
      }
      w.notional += price * size;
      w.volume += size;
      w.low = Math.min(w.low, price);
      w.high = Math.max(w.high, price);
      w.close = price;
      w.trades++;
    }
    this.collector.recordsIn += batch.length;
    this.collector.recordsOut += out.length;
    return out;
  }

  flush(): Row[] {
    const out = [...this.open.keys()].sort().map((product) => this.close(product, this.open.get(product)!));
    this.open.clear();
    this.collector.recordsOut += out.length;
    return out;
  }

  stats(): Stats {
    return this.collector.snapshot();
  }

  private close(product: string, w: Window): Row {
    return {
      product_id: product,
      window_start: w.start,
      vwap: w.volume > 0 ? w.notional / w.volume : null,
      volume: w.volume,
      low: w.low,
      high: w.high,
      open: w.open,
      close: w.close,
      trades: BigInt(w.trades),
      date: utcDateKey(w.start),
    };
  }
}

export interface CustomVwapResult {
  readonly tradesDir: string;
  readonly vwapDir: string;
  readonly barsDir: string;
  readonly vwap: PipelineResult;
  readonly bars: PipelineResult;
}

export async function run(options: ExampleOptions = {}): Promise<CustomVwapResult> {
  const { ready, output } = sampleWorkspace(options);
  await new ETLJob({ inputDir: ready, outputDir: output }).processAll(); // the existing market_trades
  const tradesDir = path.join(output, 'coinbase', 'market_trades');
  const vwapDir = path.join(output, 'coinbase', 'vwap_5m');
  const barsDir = path.join(output, 'coinbase', 'trade_bars_5m');
  const vwap = await new ETLPipeline({
    reader: new ParquetReader(),
    processors: [new VWAPProcessor({ windowMinutes: 5 })],
    writer: new ParquetWriter(),
  }).execute({ input: tradesDir, output: vwapDir, partitionCols: ['product_id', 'date'] });
  const bars = await new ETLPipeline({
    reader: new ParquetReader(),
    processors: [new TradeBarsProcessor({ interval: '5m' })],
    writer: new ParquetWriter(),
  }).execute({ input: tradesDir, output: barsDir, partitionCols: ['product_id', 'date'] });
  return { tradesDir, vwapDir, barsDir, vwap, bars };
}

if (isMain(import.meta.url)) {
  const { vwapDir, barsDir, vwap, bars } = await run({ workDir: scriptWorkDir(import.meta.url) });
  printResult('VWAP windows and trade bars written:', { [vwapDir]: vwap.rows, [barsDir]: bars.rows });
}
