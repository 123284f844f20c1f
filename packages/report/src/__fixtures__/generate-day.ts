/**
 * A generated capture day (2026-08-10) for the report's tests, with known holes: two products on
 * one connection, a level2 message every 2 s and a trade every 7 s, in two segments split at
 * 12:00, and injected
 *   - a sequence gap at 03:00:00 (5 numbers missing), snapshots at 03:02:00;
 *   - no messages at all from 10:00:00 to 10:30:00, then a reconnect (the counter restarts) with
 *     snapshots one second later;
 *   - a jump at the start of the second segment, so its restored checkpoint is stale, snapshots
 *     at 12:01:00;
 *   - one crossed book (BTC-USD, 05:00:01), repaired by the default policy;
 *   - a stream stopping for good at 23:00:00 for ETH-USD only;
 *   - three bad lines in the first segment (two unparsable, one with a bad timestamp).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const GENERATED_DATE = '2026-08-10';
export const BAD_LINES = 3;

const DAY_START_S = Date.parse(`${GENERATED_DATE}T00:00:00Z`) / 1000;
const at = (hh: number, mm: number, ss = 0): number => DAY_START_S + hh * 3600 + mm * 60 + ss;

function iso(seconds: number, nanos: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

/** mulberry32: the same file every time. */
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

interface Book {
  readonly id: string;
  /** The best bid in ticks (integers, so prices never drift); the best ask is one tick above. */
  bid: number;
  readonly tick: number;
}

/** Writes `segment_20260810T00_00001.ndjson` and `segment_20260810T12_00002.ndjson` into `dir`. */
export function generateDay(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const random = rng(7);
  const books: Book[] = [
    { id: 'BTC-USD', bid: 6_500_000, tick: 0.01 },
    { id: 'ETH-USD', bid: 310_000, tick: 0.01 },
  ];
  let seq = 0;
  let tradeId = 5_000_000;
  const segments: string[][] = [[], []];
  let current = segments[0] as string[];
  const line = (channel: string, s: number, ns: number, events: string) => {
    const data = `{"channel":"${channel}","timestamp":"${iso(s, ns)}","sequence_num":${seq++},"events":[${events}]}`;
    current.push(
      `{"capture_ts":"${iso(s, ns + 1000).replace(/\.(\d{6})\d*Z/, '.$1+00:00')}","data":${data},"metadata":{"source":"coinbase","channel":"${channel}"}}`,
    );
  };
  const price = (b: Book, side: 'bid' | 'offer', i: number) =>
    ((side === 'bid' ? b.bid - i : b.bid + 1 + i) * b.tick).toFixed(2);
  const subscribe = (s: number) =>
    line(
      'subscriptions',
      s,
      1000,
      `{"subscriptions":{"level2":["BTC-USD","ETH-USD"],"market_trades":["BTC-USD","ETH-USD"]}}`,
    );
  const snapshot = (b: Book, s: number, ns: number) => {
    const ups: string[] = [];
    for (const side of ['bid', 'offer'] as const)
      for (let i = 0; i < 20; i++)
        ups.push(
          `{"side":"${side}","event_time":"${iso(s, ns)}","price_level":"${price(b, side, i)}","new_quantity":"${(1 + random()).toFixed(8)}"}`,
        );
    line('l2_data', s, ns, `{"type":"snapshot","product_id":"${b.id}","updates":[${ups.join(',')}]}`);
  };
  // The mid moves by whole ticks; the levels it crosses are deleted and the new top is set, so
  // the book never crosses.
  const update = (b: Book, s: number, ns: number) => {
    const k = Math.round((random() - 0.5) * 4);
    const ups: string[] = [];
    const level = (side: 'bid' | 'offer', i: number, qty: string) =>
      ups.push(
        `{"side":"${side}","event_time":"${iso(s, ns)}","price_level":"${price(b, side, i)}","new_quantity":"${qty}"}`,
      );
    const qty = () => (random() * 2 + 0.01).toFixed(8);
    if (k > 0) for (let i = 0; i < k; i++) level('offer', i, '0');
    if (k < 0) for (let i = 0; i < -k; i++) level('bid', i, '0');
    b.bid += k;
    if (k > 0) for (let i = 0; i < k; i++) level('bid', i, qty());
    if (k < 0) for (let i = 0; i < -k; i++) level('offer', i, qty());
    level('bid', 0, qty());
    level('offer', 0, qty());
    line('l2_data', s, ns, `{"type":"update","product_id":"${b.id}","updates":[${ups.join(',')}]}`);
  };
  const trade = (b: Book, s: number, ns: number) => {
    const side = random() < 0.5 ? 'BUY' : 'SELL';
    const p = side === 'BUY' ? price(b, 'bid', 0) : price(b, 'offer', 0);
    line(
      'market_trades',
      s,
      ns,
      `{"type":"update","trades":[{"product_id":"${b.id}","trade_id":"${tradeId++}","price":"${p}","size":"${(random() * 0.5 + 0.001).toFixed(8)}","time":"${iso(s, ns).replace(/\.(\d{6})\d*Z/, '.$1Z')}","side":"${side}"}]}`,
    );
  };

  subscribe(at(0, 0));
  for (const b of books) snapshot(b, at(0, 0), 5000 + books.indexOf(b));
  for (let s = at(0, 0, 1); s < at(24, 0); s++) {
    if (s >= at(10, 0) && s < at(10, 30)) continue; // the capture was down
    if (s === at(10, 30)) {
      seq = 1; // a new connection: the counter starts again
      subscribe(s);
      continue;
    }
    if (s === at(10, 30, 1) || s === at(3, 2) || s === at(12, 1)) {
      for (const b of books) snapshot(b, s, 2000 + books.indexOf(b));
      continue;
    }
    if (s === at(12, 0)) {
      current = segments[1] as string[];
      seq += 3; // the second segment does not continue the first: its checkpoint is stale
    }
    if (s === at(3, 0)) seq += 5; // five messages lost
    if (s % 2 === 0) {
      const b = books[(s / 2) % 2] as Book;
      if (!(b.id === 'ETH-USD' && s >= at(23, 0))) update(b, s, 250_000_000);
    }
    if (s % 7 === 0) {
      const b = books[(s / 7) % 2] as Book;
      if (!(b.id === 'ETH-USD' && s >= at(23, 0))) trade(b, s, 500_000_000);
    }
    if (s === at(5, 0, 1)) {
      // One bid above the best ask: the book is crossed, and the policy repairs it.
      const b = books[0] as Book;
      line(
        'l2_data',
        s,
        0,
        `{"type":"update","product_id":"${b.id}","updates":[{"side":"bid","event_time":"${iso(s, 0)}","price_level":"${price(b, 'offer', 1)}","new_quantity":"0.5"}]}`,
      );
    }
    if (s === at(6, 0)) {
      current.push('{not json at all');
      current.push('{"data": [unterminated');
      current.push(
        `{"capture_ts":"${iso(s, 0)}","data":{"channel":"l2_data","timestamp":"yesterday","sequence_num":${seq},"events":[]},"metadata":{"source":"coinbase","channel":"l2_data"}}`,
      );
    }
  }
  const names = ['segment_20260810T00_00001.ndjson', 'segment_20260810T12_00002.ndjson'];
  return names.map((name, i) => {
    const file = path.join(dir, name);
    writeFileSync(file, `${(segments[i] as string[]).join('\n')}\n`);
    return file;
  });
}
