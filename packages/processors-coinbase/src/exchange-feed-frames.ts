/**
 * Rows of the legacy Coinbase Exchange (Pro) feed's data messages — `snapshot`, `l2update`,
 * `match`/`last_match`, `ticker` — in the SAME row contract as the Advanced Trade parser, so every
 * processor and dataset downstream works unchanged. How each field maps is in the README
 * ("ExchangeFeedParser"); the rule for bad entries is the Advanced parser's: a bad required field
 * drops the entry, a bad optional one becomes null, and the reason is recorded on the context.
 */
import type { Row } from '@etl/core';
import { type MessageContext, show } from './message-context.js';
import { parseDecimalOrNaN } from './number.js';
import type { Level2Row, MarketTradeRow, TickerRow } from './rows.js';

/** Row `channel` values: the dataset names the Coinbase processors and the router recognise. */
const EXCHANGE_LEVEL2_CHANNEL = 'level2';
const EXCHANGE_TRADES_CHANNEL = 'market_trades';
const EXCHANGE_TICKER_CHANNEL = 'ticker';

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * One level2 row. Partition keys and `server_timestamp` come from `ctx.server` (the message time,
 * or its fallback); `event_time` is the message's own `time`, null when it had none.
 */
function level2Row(
  ctx: MessageContext,
  productId: string,
  snapshot: boolean,
  bid: boolean,
  price: number,
  size: number,
  eventTime: bigint | null,
): Level2Row {
  const server = ctx.server;
  return {
    product_id: productId,
    event_type: snapshot ? 'snapshot' : 'update',
    is_snapshot: snapshot,
    side: bid ? 'bid' : 'offer',
    side_normalized: bid ? 'bid' : 'ask',
    price_level: price,
    new_quantity: size,
    event_time: eventTime,
    server_timestamp: server.ns,
    capture_timestamp: ctx.captureTimestamp,
    sequence_num: null,
    client_id: null,
    channel: EXCHANGE_LEVEL2_CHANNEL,
    date: server.date,
    hour: server.hour,
  };
}

/**
 * Price and size at `entry[at]`, `entry[at + 1]` into `out`, or the reason they are unusable.
 * `where` names the entry in the reason.
 */
function priceAndSize(
  entry: readonly unknown[],
  at: number,
  where: string,
  out: { price: number; size: number },
): string | undefined {
  const price = parseDecimalOrNaN(entry[at]);
  if (!(price >= 0))
    return `${where}[${at}] (price) is not a non-negative decimal string: ${show(entry[at])}`;
  const size = parseDecimalOrNaN(entry[at + 1]);
  if (!(size >= 0))
    return `${where}[${at + 1}] (size) is not a non-negative decimal string: ${show(entry[at + 1])}`;
  out.price = price;
  out.size = size;
  return undefined;
}

const level = { price: 0, size: 0 };

/** `snapshot`: `bids`/`asks` arrays of `[price, size]` → one `is_snapshot` row per level, bids first. */
export function pushSnapshotRows(
  ctx: MessageContext,
  frame: Record<string, unknown>,
  productId: string,
  eventTime: bigint | null,
  out: Row[],
): void {
  for (const key of ['bids', 'asks'] as const) {
    const list = frame[key];
    if (!Array.isArray(list)) {
      ctx.reject(`${key} is not an array: ${show(list)}`);
      ctx.lostLevel2(productId);
      continue;
    }
    const bid = key === 'bids';
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (!Array.isArray(entry) || entry.length < 2) {
        ctx.dropLevel2(productId, `${key}[${i}] is not a [price, size] array: ${show(entry)}`);
        continue;
      }
      const problem = priceAndSize(entry, 0, `${key}[${i}]`, level);
      if (problem !== undefined) {
        ctx.dropLevel2(productId, problem);
        continue;
      }
      out.push(level2Row(ctx, productId, true, bid, level.price, level.size, eventTime));
    }
  }
}

/**
 * `l2update`: `changes: [[side, price, size]]`, `side` being the order side — `buy` rests on the
 * bid, `sell` on the ask (spelled `offer` in rows, as the Advanced feed does).
 */
export function pushL2UpdateRows(
  ctx: MessageContext,
  frame: Record<string, unknown>,
  productId: string,
  eventTime: bigint | null,
  out: Row[],
): void {
  const changes = frame.changes;
  if (!Array.isArray(changes)) {
    ctx.dropLevel2(productId, `changes is not an array: ${show(changes)}`);
    return;
  }
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i];
    if (!Array.isArray(change) || change.length < 3) {
      ctx.dropLevel2(productId, `changes[${i}] is not a [side, price, size] array: ${show(change)}`);
      continue;
    }
    const side = change[0];
    let bid: boolean;
    if (side === 'buy' || side === 'bid') bid = true;
    else if (side === 'sell' || side === 'ask' || side === 'offer') bid = false;
    else {
      ctx.dropLevel2(productId, `changes[${i}][0] (side) is not 'buy' or 'sell': ${show(side)}`);
      continue;
    }
    const problem = priceAndSize(change, 1, `changes[${i}]`, level);
    if (problem !== undefined) {
      ctx.dropLevel2(productId, problem);
      continue;
    }
    out.push(level2Row(ctx, productId, false, bid, level.price, level.size, eventTime));
  }
}

/** A trade id sent as a JSON number (or a string of digits) as a string; undefined otherwise. */
function tradeIdOf(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  return isNonEmptyString(value) ? value : undefined;
}

/**
 * `match` / `last_match`: one market_trades row. `last_match` (the latest trade, sent once per
 * product after subscribing) is the trades snapshot (`event_type: 'snapshot'`), `match` an update.
 * `side` is kept as sent (`buy`/`sell`): on this feed it is the maker order's side. The trade's
 * time is required: `ctx.server` must hold it.
 */
export function tradeRow(
  ctx: MessageContext,
  frame: Record<string, unknown>,
  productId: string,
  snapshot: boolean,
): MarketTradeRow | undefined {
  const tradeId = tradeIdOf(frame.trade_id);
  if (tradeId === undefined) {
    ctx.drop(`trade_id is not a non-negative integer: ${show(frame.trade_id)}`);
    return undefined;
  }
  const side = frame.side;
  if (!isNonEmptyString(side)) {
    ctx.drop(`side is not a non-empty string: ${show(side)}`);
    return undefined;
  }
  const price = parseDecimalOrNaN(frame.price);
  if (!(price >= 0)) {
    ctx.drop(`price is not a non-negative decimal string: ${show(frame.price)}`);
    return undefined;
  }
  const size = parseDecimalOrNaN(frame.size);
  if (!(size >= 0)) {
    ctx.drop(`size is not a non-negative decimal string: ${show(frame.size)}`);
    return undefined;
  }
  const server = ctx.server;
  return {
    product_id: productId,
    trade_id: tradeId,
    price,
    size,
    side,
    time: server.ns,
    event_type: snapshot ? 'snapshot' : 'update',
    server_timestamp: server.ns,
    capture_timestamp: ctx.captureTimestamp,
    sequence_num: null,
    client_id: null,
    channel: EXCHANGE_TRADES_CHANNEL,
    date: server.date,
    hour: server.hour,
  };
}

/** An optional decimal field: null when absent, null with a reason when malformed. */
function optionalDecimal(ctx: MessageContext, frame: Record<string, unknown>, key: string): number | null {
  const value = frame[key];
  if (value === undefined || value === null) return null;
  const v = parseDecimalOrNaN(value);
  if (!Number.isNaN(v)) return v;
  ctx.reject(`${key} is not a decimal string: ${show(value)}; set to null`);
  return null;
}

/**
 * `ticker`: one ticker row. The Exchange ticker has no 52-week range (null) and sends `open_24h`
 * instead of a percent change, so `price_percent_chg_24h` is derived: (price / open_24h − 1) × 100.
 * Best sizes come from `best_bid_size`/`best_ask_size` when the feed sends them (newer captures).
 */
export function tickerRow(ctx: MessageContext, frame: Record<string, unknown>, productId: string): TickerRow {
  const price = optionalDecimal(ctx, frame, 'price');
  const open24h = optionalDecimal(ctx, frame, 'open_24h');
  const server = ctx.server;
  return {
    product_id: productId,
    ticker_type: 'ticker',
    price,
    volume_24h: optionalDecimal(ctx, frame, 'volume_24h'),
    low_24h: optionalDecimal(ctx, frame, 'low_24h'),
    high_24h: optionalDecimal(ctx, frame, 'high_24h'),
    low_52w: null,
    high_52w: null,
    price_percent_chg_24h:
      price !== null && open24h !== null && open24h !== 0 ? (price / open24h - 1) * 100 : null,
    best_bid: optionalDecimal(ctx, frame, 'best_bid'),
    best_bid_quantity: optionalDecimal(ctx, frame, 'best_bid_size'),
    best_ask: optionalDecimal(ctx, frame, 'best_ask'),
    best_ask_quantity: optionalDecimal(ctx, frame, 'best_ask_size'),
    event_type: null,
    server_timestamp: server.ns,
    capture_timestamp: ctx.captureTimestamp,
    sequence_num: null,
    client_id: null,
    channel: EXCHANGE_TICKER_CHANNEL,
    date: server.date,
    hour: server.hour,
  };
}

/** Product id of a message, or undefined (reason recorded). */
export function productIdOf(ctx: MessageContext, frame: Record<string, unknown>): string | undefined {
  const productId = frame.product_id;
  if (isNonEmptyString(productId)) return productId;
  ctx.drop(`product_id is not a non-empty string: ${show(productId)}`);
  return undefined;
}
