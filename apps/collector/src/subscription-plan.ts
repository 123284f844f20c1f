/**
 * Subscribe messages for the Advanced Trade WebSocket. The exchange takes one channel per
 * subscribe message (`{"type":"subscribe","product_ids":[...],"channel":"level2"}`), so a
 * subscription is a list of messages: one per channel and batch of products; `heartbeats` keeps
 * the connection alive and needs no products. Messages are sent a little apart: the exchange
 * limits unauthenticated messages per second.
 */
import { ConfigError } from '@etl/core';

export const DEFAULT_CHANNELS: readonly string[] = ['level2', 'market_trades', 'ticker', 'heartbeats'];

/** Channels the Advanced Trade market-data feed offers. */
export const KNOWN_CHANNELS: ReadonlySet<string> = new Set([
  'level2',
  'market_trades',
  'ticker',
  'ticker_batch',
  'candles',
  'heartbeats',
  'status',
  'futures_balance_summary',
  'user',
]);

/** Channels subscribed without product ids. */
const PRODUCTLESS = new Set(['heartbeats', 'status', 'futures_balance_summary']);

export interface SubscriptionPlanOptions {
  readonly channels: readonly string[];
  readonly products: readonly string[];
  /** Products per subscribe message (default 100). */
  readonly maxProductsPerMessage?: number;
  /** Adds `jwt` to each message (authenticated connections; market data needs none). */
  readonly jwt?: () => string;
}

export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly channel: string;
  readonly product_ids?: readonly string[];
  readonly jwt?: string;
}

export function subscribeMessages(options: SubscriptionPlanOptions): SubscribeMessage[] {
  const per = options.maxProductsPerMessage ?? 100;
  if (!Number.isInteger(per) || per < 1)
    throw new ConfigError('maxProductsPerMessage', `must be a positive integer, got ${per}`);
  if (options.channels.length === 0) throw new ConfigError('channels', 'at least one channel is required');
  for (const c of options.channels) {
    if (!KNOWN_CHANNELS.has(c))
      throw new ConfigError('channels', `unknown channel "${c}" (known: ${[...KNOWN_CHANNELS].join(', ')})`);
  }
  const products = [...new Set(options.products)];
  const messages: SubscribeMessage[] = [];
  const withJwt = (m: SubscribeMessage): SubscribeMessage => (options.jwt ? { ...m, jwt: options.jwt() } : m);
  for (const channel of new Set(options.channels)) {
    if (PRODUCTLESS.has(channel)) {
      messages.push(withJwt({ type: 'subscribe', channel }));
      continue;
    }
    if (products.length === 0)
      throw new ConfigError('products', `channel ${channel} needs at least one product id`);
    for (let i = 0; i < products.length; i += per) {
      messages.push(withJwt({ type: 'subscribe', product_ids: products.slice(i, i + per), channel }));
    }
  }
  return messages;
}
