/**
 * Deterministic generator of realistic Coinbase segments for benchmarks: the production mix
 * (most lines `l2_data` with ~8 updates each, plus ticker and market_trades), several products,
 * a book that evolves like a real one (updates near the top, deletes, occasional snapshots on
 * (re)subscribe), one connection-wide sequence counter, and a UTC date change in the middle.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same file, byte for byte. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRODUCTS = [
  { id: 'BTC-USD', mid: 65083.66, tick: 0.01, decimals: 2 },
  { id: 'ETH-USD', mid: 3120.45, tick: 0.01, decimals: 2 },
  { id: 'SOL-USD', mid: 148.213, tick: 0.001, decimals: 3 },
  { id: 'DOGE-USD', mid: 0.16234, tick: 0.00001, decimals: 5 },
];

function isoNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

function isoUs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, 6);
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}+00:00`;
}

export interface GenerateOptions {
  /** Approximate size of the file in bytes. */
  readonly bytes: number;
  readonly seed?: number;
  /** Start time; the default straddles a UTC midnight so output spans two dates. */
  readonly startNs?: bigint;
  /**
   * Mean updates per `l2_data` update message: each message carries mean-2 … mean+2 (at least 1).
   * Without it, 4 … 12 (mean 8, the original mix).
   */
  readonly updatesPerMessage?: number;
  /** Bare frames (the WebSocket message itself, no collector envelope and so no capture_ts). */
  readonly bare?: boolean;
}

/** Writes a segment of about `bytes` bytes to `file` (reused when it already exists). */
export async function generateSegment(
  file: string,
  options: GenerateOptions,
): Promise<{ file: string; bytes: number; lines: number }> {
  if (existsSync(file) && statSync(file).size >= options.bytes * 0.95) {
    return { file, bytes: statSync(file).size, lines: -1 };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const random = rng(options.seed ?? 42);
  // Written under a temporary name and renamed, so a concurrent caller never reads half a file.
  const temp = `${file}.${process.pid}-${Date.now()}.tmp`;
  const out = createWriteStream(temp, { highWaterMark: 1 << 20 });
  let t = options.startNs ?? 1786319940_000_000_000n; // 2026-08-09T23:59:00Z
  let seq = 0;
  let written = 0;
  let lines = 0;
  let tradeId = 1_068_572_000;
  const books = PRODUCTS.map((p) => ({ ...p, bid: p.mid - p.tick / 2, ask: p.mid + p.tick / 2 }));
  const buffer: string[] = [];
  const bare = options.bare === true;
  const mean = options.updatesPerMessage;
  const [minUpdates, spread] =
    mean === undefined ? [4, 9] : [Math.max(1, mean - 2), mean - Math.max(1, mean - 2) + 3];
  const emit = (channel: string, data: string) => {
    const line = bare
      ? `${data}\n`
      : `{"capture_ts":"${isoUs(t + 150_000_000n)}","data":${data},"metadata":{"source":"coinbase","channel":"${channel}"}}\n`;
    buffer.push(line);
    written += line.length;
    lines++;
  };
  const flush = async () => {
    if (!buffer.length) return;
    const chunk = buffer.join('');
    buffer.length = 0;
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  };
  const level = (b: (typeof books)[number], side: 'bid' | 'offer', distance: number) => {
    const price = side === 'bid' ? b.bid - distance * b.tick : b.ask + distance * b.tick;
    return price.toFixed(b.decimals);
  };
  // Initial snapshots (200 levels a side keeps the generator fast while books stay deep).
  for (const b of books) {
    const updates: string[] = [];
    for (const side of ['bid', 'offer'] as const) {
      for (let i = 0; i < 200; i++) {
        updates.push(
          `{"side":"${side}","event_time":"${isoNs(t).replace(/\.(\d{6})\d*Z/, '.$1Z')}","price_level":"${level(b, side, i)}","new_quantity":"${(random() * 2).toFixed(8)}"}`,
        );
      }
    }
    emit(
      'l2_data',
      `{"channel":"l2_data","timestamp":"${isoNs(t)}","sequence_num":${seq++},"events":[{"type":"snapshot","product_id":"${b.id}","updates":[${updates.join(',')}]}]}`,
    );
  }
  while (written < options.bytes) {
    t += BigInt(Math.floor(random() * 4_000_000)) + 1n;
    const b = books[Math.floor(random() * books.length)]!;
    const r = random();
    if (r < 0.86) {
      const n = minUpdates + Math.floor(random() * spread);
      const eventTime = isoNs(t - 200_000_000n).replace(/\.(\d{6})\d*Z/, '.$1Z');
      const updates: string[] = [];
      for (let i = 0; i < n; i++) {
        const side = random() < 0.5 ? 'bid' : 'offer';
        const qty = random() < 0.2 ? '0' : (random() * 3).toFixed(8);
        updates.push(
          `{"side":"${side}","event_time":"${eventTime}","price_level":"${level(b, side, Math.floor(random() * random() * 60))}","new_quantity":"${qty}"}`,
        );
      }
      emit(
        'l2_data',
        `{"channel":"l2_data","timestamp":"${isoNs(t)}","sequence_num":${seq++},"events":[{"type":"update","product_id":"${b.id}","updates":[${updates.join(',')}]}]}`,
      );
    } else if (r < 0.94) {
      const drift = (random() - 0.5) * 4 * b.tick;
      b.bid += drift;
      b.ask += drift;
      emit(
        'ticker',
        `{"channel":"ticker","timestamp":"${isoNs(t)}","sequence_num":${seq++},"events":[{"type":"update","tickers":[{"type":"ticker","product_id":"${b.id}","price":"${b.ask.toFixed(b.decimals)}","volume_24_h":"2867.54532609","low_24_h":"${(b.mid * 0.99).toFixed(b.decimals)}","high_24_h":"${(b.mid * 1.01).toFixed(b.decimals)}","low_52_w":"${(b.mid * 0.7).toFixed(b.decimals)}","high_52_w":"${(b.mid * 1.9).toFixed(b.decimals)}","price_percent_chg_24_h":"0.09601107287722","best_bid":"${b.bid.toFixed(b.decimals)}","best_ask":"${b.ask.toFixed(b.decimals)}","best_bid_quantity":"0.20371215","best_ask_quantity":"0.15556334"}]}]}`,
      );
    } else {
      const n = 1 + Math.floor(random() * 3);
      const trades: string[] = [];
      for (let i = 0; i < n; i++) {
        trades.push(
          `{"product_id":"${b.id}","trade_id":"${tradeId++}","price":"${(random() < 0.5 ? b.bid : b.ask).toFixed(b.decimals)}","size":"${(random() * 0.5).toFixed(8)}","time":"${isoNs(t - 100_000n).replace(/\.(\d{6})\d*Z/, '.$1Z')}","side":"${random() < 0.5 ? 'BUY' : 'SELL'}"}`,
        );
      }
      emit(
        'market_trades',
        `{"channel":"market_trades","timestamp":"${isoNs(t)}","sequence_num":${seq++},"events":[{"type":"update","trades":[${trades.reverse().join(',')}]}]}`,
      );
    }
    if (buffer.length >= 2048) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  renameSync(temp, file);
  return { file, bytes: written, lines };
}
