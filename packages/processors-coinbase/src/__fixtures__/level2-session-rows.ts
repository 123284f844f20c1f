/**
 * Test-only JSON → row converter for the level2 tests: a deliberately small, independent
 * implementation of the row contract (docs: rows.md) so these tests do not depend on RawParser.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTimestampNs, type Row, utcDateKey, utcHourKey } from '@etl/core';

export const FIXTURES = fileURLToPath(new URL('../../../../tooling/fixtures/coinbase/', import.meta.url));
export const SEGMENT = `${FIXTURES}segment_20260809T21_00001.ndjson`;

type Json = Record<string, unknown>;

const ns = (s: unknown): bigint | null => (typeof s === 'string' ? parseTimestampNs(s) : null);
const num = (s: unknown): number | null => (typeof s === 'string' && s !== '' ? Number(s) : null);
const YEAR_1971 = 31_536_000_000_000_000n;

/** Rows of one Coinbase frame, per the row contract. */
function frameRows(frame: Json, capture: bigint | null): Row[] {
  const channel = frame.channel as string;
  const server = ns(frame.timestamp)!;
  const seq = typeof frame.sequence_num === 'number' ? BigInt(frame.sequence_num) : null;
  const msg = {
    server_timestamp: server,
    capture_timestamp: capture,
    sequence_num: seq,
    client_id: null,
    channel,
  };
  const rows: Row[] = [];
  for (const ev of (frame.events as Json[]) ?? []) {
    const event_type = (ev.type as string) ?? null;
    if (channel === 'l2_data') {
      for (const u of ev.updates as Json[]) {
        const et = ns(u.event_time);
        const t = et !== null && et >= YEAR_1971 ? et : server;
        rows.push({
          product_id: ev.product_id,
          event_type,
          is_snapshot: event_type === 'snapshot',
          side: u.side,
          side_normalized: u.side === 'offer' ? 'ask' : 'bid',
          price_level: num(u.price_level),
          new_quantity: num(u.new_quantity),
          event_time: et,
          ...msg,
          date: utcDateKey(t),
          hour: utcHourKey(t),
        });
      }
    } else if (channel === 'market_trades') {
      const trades = [...(ev.trades as Json[])].reverse();
      for (const tr of trades) {
        const t = ns(tr.time)!;
        rows.push({
          product_id: tr.product_id,
          trade_id: tr.trade_id,
          price: num(tr.price),
          size: num(tr.size),
          side: tr.side,
          time: t,
          event_type,
          ...msg,
          date: utcDateKey(t),
          hour: utcHourKey(t),
        });
      }
    } else if (channel === 'ticker' || channel === 'ticker_batch') {
      for (const tk of ev.tickers as Json[]) {
        rows.push({
          product_id: tk.product_id,
          price: num(tk.price),
          best_bid: num(tk.best_bid),
          best_ask: num(tk.best_ask),
          event_type,
          ...msg,
          date: utcDateKey(server),
          hour: utcHourKey(server),
        });
      }
    } else if (channel === 'candles') {
      for (const c of ev.candles as Json[]) {
        const start = BigInt(c.start as string) * 1_000_000_000n;
        rows.push({
          product_id: c.product_id,
          start,
          close: num(c.close),
          event_type,
          ...msg,
          date: utcDateKey(start),
          hour: utcHourKey(start),
        });
      }
    }
  }
  if (rows.length > 0) return rows;
  const control: Row = {
    channel: '_sequence',
    source_channel: channel,
    sequence_num: seq,
    server_timestamp: server,
    capture_timestamp: capture,
  };
  if (channel === 'subscriptions') control.subscriptions = (frame.events as Json[])[0]?.subscriptions;
  return [control];
}

/** The frames of an enveloped segment, with their capture times. */
export function segmentFrames(path = SEGMENT): { frame: Json; capture: bigint | null }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const v = JSON.parse(l) as Json;
      return v.data ? { frame: v.data as Json, capture: ns(v.capture_ts) } : { frame: v, capture: null };
    });
}

/** All rows of a segment in wire order; each message's rows form one inner array. */
export function segmentMessages(path = SEGMENT): Row[][] {
  return segmentFrames(path).map(({ frame, capture }) => frameRows(frame, capture));
}

/** A deep-enough copy so each processor run gets fresh row objects (processors stamp in place). */
export function copyMessages(messages: readonly Row[][]): Row[][] {
  return messages.map((m) => m.map((r) => ({ ...r })));
}

/** Crafted level2 row; `t` is the server time in ns. */
export function l2Row(
  product: string,
  seq: number,
  t: bigint,
  side: 'bid' | 'ask',
  price: number,
  size: number,
  snapshot = false,
): Row {
  return {
    product_id: product,
    event_type: snapshot ? 'snapshot' : 'update',
    is_snapshot: snapshot,
    side: side === 'ask' ? 'offer' : 'bid',
    side_normalized: side,
    price_level: price,
    new_quantity: size,
    event_time: t,
    server_timestamp: t,
    capture_timestamp: null,
    sequence_num: BigInt(seq),
    client_id: null,
    channel: 'l2_data',
    date: utcDateKey(t),
    hour: utcHourKey(t),
  };
}

/** A crafted message: `levels` as [side, price, size]. */
export function l2Message(
  product: string,
  seq: number,
  t: bigint,
  levels: readonly (readonly ['bid' | 'ask', number, number])[],
  snapshot = false,
): Row[] {
  return levels.map(([side, price, size]) => l2Row(product, seq, t, side, price, size, snapshot));
}

/** Crafted control row (heartbeat, or a subscriptions ack when `subscriptions` is given). */
export function controlRow(seq: number, t: bigint, subscriptions?: Record<string, string[]>): Row {
  return {
    channel: '_sequence',
    source_channel: subscriptions ? 'subscriptions' : 'heartbeats',
    sequence_num: BigInt(seq),
    server_timestamp: t,
    capture_timestamp: null,
    ...(subscriptions ? { subscriptions } : {}),
  };
}

/** Crafted market_trades row. */
export function tradeRow(
  product: string,
  seq: number,
  t: bigint,
  price: number,
  size: number,
  side: 'BUY' | 'SELL',
): Row {
  return {
    product_id: product,
    trade_id: `${seq}`,
    price,
    size,
    side,
    time: t,
    event_type: 'update',
    server_timestamp: t,
    capture_timestamp: null,
    sequence_num: BigInt(seq),
    client_id: null,
    channel: 'market_trades',
    date: utcDateKey(t),
    hour: utcHourKey(t),
  };
}

/** Epoch ns of 2026-08-09T21:00:00Z plus `ms` milliseconds. */
const T0 = 1_786_309_200_000_000_000n;
export const at = (ms: number): bigint => T0 + BigInt(Math.round(ms * 1e6));
