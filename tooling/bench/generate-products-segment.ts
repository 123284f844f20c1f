/**
 * A segment touching many products with little data each: one `l2_data` snapshot and one
 * `market_trades` update per product (what one connection subscribed to every product sees at
 * first). It stresses what grows per partition or per product — writer buffers, open part files,
 * order books, feature state — rather than throughput.
 *
 * Run: `tsx tooling/bench/generate-products-segment.ts <file> <products> [levels-per-side]`
 * (then e.g. `/usr/bin/time -v pnpm etl run …` for peak RSS).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ProductsSegmentOptions {
  readonly products: number;
  /** Price levels per side in each snapshot. */
  readonly levelsPerSide?: number;
}

/** What the segment holds, for tests to compare the datasets with. */
export interface ProductsSegmentCounts {
  readonly lines: number;
  readonly level2Rows: number;
  readonly tradeRows: number;
  readonly products: number;
}

/** `P00001-USD`, … : distinct, sorted like their index. */
export function productId(index: number): string {
  return `P${String(index + 1).padStart(5, '0')}-USD`;
}

/** Writes the segment to `file` and returns what it holds. */
export async function generateProductsSegment(
  file: string,
  options: ProductsSegmentOptions,
): Promise<ProductsSegmentCounts> {
  const levels = options.levelsPerSide ?? 5;
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const write = async (line: string) => {
    if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
  };
  let sequence = 0;
  let lines = 0;
  // 2026-08-09T21:05:48.000000Z plus one millisecond per message.
  const startMs = Date.UTC(2026, 7, 9, 21, 5, 48);
  const iso = (ms: number, micros: string) => `${new Date(ms).toISOString().slice(0, 19)}.${micros}`;
  const envelope = (ms: number, channel: string, data: string) =>
    `{"capture_ts":"${iso(ms + 300, `${String(ms % 1000).padStart(3, '0')}123`)}+00:00","data":${data},"metadata":{"source":"coinbase","channel":"${channel}"}}\n`;
  for (let p = 0; p < options.products; p++) {
    const id = productId(p);
    const mid = 10 + (p % 997) * 1.5;
    const ms = startMs + p;
    const stamp = `${iso(ms, `${String(ms % 1000).padStart(3, '0')}456789`)}Z`;
    const eventTime = `${iso(ms, `${String(ms % 1000).padStart(3, '0')}100`)}Z`;
    const updates: string[] = [];
    for (let l = 0; l < levels; l++) {
      const bid = (mid - 0.01 * (l + 1)).toFixed(2);
      updates.push(
        `{"side":"bid","event_time":"${eventTime}","price_level":"${bid}","new_quantity":"${(1 + l * 0.25).toFixed(2)}"}`,
      );
    }
    for (let l = 0; l < levels; l++) {
      const ask = (mid + 0.01 * (l + 1)).toFixed(2);
      updates.push(
        `{"side":"offer","event_time":"${eventTime}","price_level":"${ask}","new_quantity":"${(2 + l * 0.5).toFixed(2)}"}`,
      );
    }
    await write(
      envelope(
        ms,
        'l2_data',
        `{"channel":"l2_data","client_id":"","timestamp":"${stamp}","sequence_num":${sequence++},"events":[{"type":"snapshot","product_id":"${id}","updates":[${updates.join(',')}]}]}`,
      ),
    );
    lines++;
    const trade = `{"trade_id":"${1_000_000 + p}","product_id":"${id}","price":"${(mid + 0.01).toFixed(2)}","size":"0.5","side":"BUY","time":"${eventTime}"}`;
    await write(
      envelope(
        ms,
        'market_trades',
        `{"channel":"market_trades","client_id":"","timestamp":"${stamp}","sequence_num":${sequence++},"events":[{"type":"update","trades":[${trade}]}]}`,
      ),
    );
    lines++;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return {
    lines,
    level2Rows: options.products * 2 * levels,
    tradeRows: options.products,
    products: options.products,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, products, levels] = process.argv.slice(2);
  if (!file || !products) {
    console.error('usage: generate-products-segment.ts <file> <products> [levels-per-side]');
    process.exit(2);
  }
  const counts = await generateProductsSegment(file, {
    products: Number(products),
    levelsPerSide: levels ? Number(levels) : undefined,
  });
  console.log(JSON.stringify(counts));
}
