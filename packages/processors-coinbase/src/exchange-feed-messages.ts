/**
 * What the legacy Coinbase Exchange feed's message types mean here: which dataset each fills,
 * which carry a "now" time, and the control rows of the types that fill none.
 */
import type { Schema } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { CONTROL_CHANNEL, type ControlRow } from './rows.js';
import { level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';

/** The datasets this feed fills. */
export type ExchangeDataset = 'level2' | 'market_trades' | 'ticker';

export const EXCHANGE_SCHEMAS: Readonly<Record<ExchangeDataset, Schema>> = {
  level2: level2Schema,
  market_trades: marketTradesSchema,
  ticker: tickerSchema,
};

/** The dataset a message `type` fills; undefined for control messages. */
export function datasetOfType(type: string): ExchangeDataset | undefined {
  switch (type) {
    case 'snapshot':
    case 'l2update':
      return 'level2';
    case 'match':
    case 'last_match':
      return 'market_trades';
    case 'ticker':
      return 'ticker';
    default:
      return undefined;
  }
}

/** The dataset a user means by `name`: a dataset name or an Exchange channel name (`matches`). */
export function datasetOfName(name: string): ExchangeDataset | undefined {
  if (name === 'level2' || name === 'level2_batch') return 'level2';
  if (name === 'market_trades' || name === 'matches') return 'market_trades';
  if (name === 'ticker' || name === 'ticker_batch') return 'ticker';
  return undefined;
}

/**
 * Message types whose `time` is "now" on the wire. `ticker` and `last_match` are not: right after
 * subscribing they carry the time of the product's last trade, which can be long past.
 */
export function isLiveType(type: string): boolean {
  return type === 'l2update' || type === 'match' || type === 'heartbeat' || type === 'snapshot';
}

/**
 * The control row of a message that fills no dataset: `current_time` for heartbeats (their
 * `sequence` is per product, not a server uptime counter, so `heartbeat_counter` is null),
 * `subscriptions` for acknowledgements, `message` for errors.
 */
export function exchangeControlRow(
  type: string,
  frame: Record<string, unknown>,
  serverTimestamp: bigint | null,
  captureTimestamp: bigint | null,
): ControlRow {
  const base = {
    channel: CONTROL_CHANNEL,
    source_channel: type,
    sequence_num: null,
    server_timestamp: serverTimestamp,
    capture_timestamp: captureTimestamp,
  } as const;
  switch (type) {
    case 'heartbeat':
      return { ...base, current_time: serverTimestamp, heartbeat_counter: null };
    case 'subscriptions':
      return { ...base, subscriptions: subscriptionsOf(frame.channels) };
    case 'error':
      return { ...base, message: typeof frame.message === 'string' ? frame.message : null };
    default:
      return base;
  }
}

/** `channels: [{name, product_ids}]` (or bare channel names) as `{channel: [product ids]}`. */
function subscriptionsOf(channels: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!Array.isArray(channels)) return out;
  for (const c of channels) {
    if (typeof c === 'string') {
      if (!Object.hasOwn(out, c) && c !== '__proto__') out[c] = [];
      continue;
    }
    if (!isRecord(c) || typeof c.name !== 'string' || c.name === '__proto__') continue;
    out[c.name] = Array.isArray(c.product_ids)
      ? c.product_ids.filter((p): p is string => typeof p === 'string')
      : [];
  }
  return out;
}
