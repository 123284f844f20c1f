/**
 * Rows of the Advanced Trade data channels (`l2_data`, `market_trades`, `ticker`/`ticker_batch`,
 * `candles`), one row per entry, built as fresh object literals of one fixed shape (fast for V8,
 * and no key of the input can leak into a row).
 *
 * Rule for bad entries: an entry whose required field is missing or malformed (product id,
 * side, price, size, trade id, trade time, candle start) is dropped; an optional field that is
 * malformed (a level's `event_time`, a ticker or candle number) becomes null and the row is kept.
 * Either way the reason is recorded on the {@link MessageContext}, and the parser quarantines the
 * message once with all its reasons while keeping its good rows.
 */
import type { Row } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { type MessageContext, show } from './message-context.js';
import { parseDecimalOrNaN, parseEpochSecondsNs } from './number.js';
import type { CandleRow, MarketTradeRow, TickerRow } from './rows.js';
import { NS_1971 } from './timestamp-cache.js';

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** `event.type` of a non-level2 event: a string or null. */
function eventType(ctx: MessageContext, ev: Record<string, unknown>, e: number): string | null {
  const type = ev.type;
  if (typeof type === 'string') return type;
  if (type !== undefined && type !== null)
    ctx.reject(`events[${e}].type is not a string: ${show(type)}; set to null`);
  return null;
}

/** The entry list of an event, or undefined (reason recorded) when the event is unusable. */
function entries(ctx: MessageContext, ev: unknown, e: number, key: string): unknown[] | undefined {
  if (!isRecord(ev)) {
    ctx.drop(`events[${e}] is not an object: ${show(ev)}`);
    return undefined;
  }
  const list = ev[key];
  if (!Array.isArray(list)) {
    ctx.drop(`events[${e}].${key} is not an array: ${show(list)}`);
    return undefined;
  }
  return list;
}

/** An optional decimal field: null when absent, null with a reason when malformed. */
function optionalDecimal(
  ctx: MessageContext,
  value: unknown,
  e: number,
  list: string,
  i: number,
  key: string,
): number | null {
  if (value === undefined || value === null) return null;
  const v = parseDecimalOrNaN(value);
  if (!Number.isNaN(v)) return v;
  ctx.reject(`events[${e}].${list}[${i}].${key} is not a decimal string: ${show(value)}; set to null`);
  return null;
}

function notNonNegative(e: number, list: string, i: number, key: string, value: unknown): string {
  return `events[${e}].${list}[${i}].${key} is not a non-negative decimal string: ${show(value)}`;
}

/** `l2_data`: one row per update entry. */
export function pushLevel2Rows(ctx: MessageContext, events: readonly unknown[], out: Row[]): void {
  const server = ctx.server;
  const eventTimes = ctx.eventTime;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const named = isRecord(ev) && isNonEmptyString(ev.product_id) ? ev.product_id : null;
    const updates = entries(ctx, ev, e, 'updates');
    if (!updates || !isRecord(ev)) {
      ctx.lostLevel2(named);
      continue;
    }
    const type = ev.type;
    if (type !== 'snapshot' && type !== 'update') {
      ctx.dropLevel2(named, `events[${e}].type is not 'snapshot' or 'update': ${show(type)}`);
      continue;
    }
    const productId = ev.product_id;
    if (!isNonEmptyString(productId)) {
      ctx.dropLevel2(null, `events[${e}].product_id is not a non-empty string: ${show(productId)}`);
      continue;
    }
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i];
      if (!isRecord(u)) {
        ctx.dropLevel2(productId, `events[${e}].updates[${i}] is not an object: ${show(u)}`);
        continue;
      }
      const side = u.side;
      let sideNormalized: 'bid' | 'ask';
      if (side === 'bid') sideNormalized = 'bid';
      else if (side === 'offer' || side === 'ask') sideNormalized = 'ask';
      else {
        ctx.dropLevel2(productId, `events[${e}].updates[${i}].side is not 'bid' or 'offer': ${show(side)}`);
        continue;
      }
      const price = parseDecimalOrNaN(u.price_level);
      if (!(price >= 0)) {
        ctx.dropLevel2(productId, notNonNegative(e, 'updates', i, 'price_level', u.price_level));
        continue;
      }
      const quantity = parseDecimalOrNaN(u.new_quantity);
      if (!(quantity >= 0)) {
        ctx.dropLevel2(productId, notNonNegative(e, 'updates', i, 'new_quantity', u.new_quantity));
        continue;
      }
      // Partition keys come from the level's own time, except when it is missing or an epoch
      // placeholder (snapshot levels are sometimes stamped 1970): then the message's time.
      let eventTime: bigint | null = null;
      let date = server.date;
      let hour = server.hour;
      const et = u.event_time;
      if (typeof et === 'string' && eventTimes.parse(et)) {
        eventTime = eventTimes.ns;
        if (eventTime >= NS_1971) {
          date = eventTimes.date;
          hour = eventTimes.hour;
        }
      } else if (et !== undefined && et !== null) {
        const why = typeof et === 'string' ? eventTimes.reason : 'not a string';
        ctx.reject(
          `events[${e}].updates[${i}].event_time ${show(et)} is not a timestamp (${why}); set to null`,
        );
      }
      out.push(
        ctx.level2Row(ctx, productId, type, side, sideNormalized, price, quantity, eventTime, date, hour),
      );
    }
  }
}

function byTime(a: MarketTradeRow, b: MarketTradeRow): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
}

/**
 * `market_trades`: one row per trade. Coinbase sends a frame's trades newest first; the frame's
 * rows are reversed and then (only if still out of order) stably sorted by time, so they come
 * out in time order, and trades of equal time in the reverse of their wire order (oldest first).
 * `scratch` is a reusable buffer owned by the caller.
 */
export function pushTradeRows(
  ctx: MessageContext,
  events: readonly unknown[],
  out: Row[],
  scratch: MarketTradeRow[],
): void {
  const server = ctx.server;
  const times = ctx.tradeTime;
  scratch.length = 0;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const trades = entries(ctx, ev, e, 'trades');
    if (!trades || !isRecord(ev)) continue;
    const type = eventType(ctx, ev, e);
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i];
      if (!isRecord(t)) {
        ctx.drop(`events[${e}].trades[${i}] is not an object: ${show(t)}`);
        continue;
      }
      const productId = t.product_id;
      if (!isNonEmptyString(productId)) {
        ctx.drop(`events[${e}].trades[${i}].product_id is not a non-empty string: ${show(productId)}`);
        continue;
      }
      const tradeId = t.trade_id;
      if (!isNonEmptyString(tradeId)) {
        ctx.drop(`events[${e}].trades[${i}].trade_id is not a non-empty string: ${show(tradeId)}`);
        continue;
      }
      const side = t.side;
      if (!isNonEmptyString(side)) {
        ctx.drop(`events[${e}].trades[${i}].side is not a non-empty string: ${show(side)}`);
        continue;
      }
      const price = parseDecimalOrNaN(t.price);
      if (!(price >= 0)) {
        ctx.drop(notNonNegative(e, 'trades', i, 'price', t.price));
        continue;
      }
      const size = parseDecimalOrNaN(t.size);
      if (!(size >= 0)) {
        ctx.drop(notNonNegative(e, 'trades', i, 'size', t.size));
        continue;
      }
      const time = t.time;
      if (typeof time !== 'string' || !times.parse(time)) {
        const why = typeof time === 'string' ? times.reason : 'not a string';
        ctx.drop(`events[${e}].trades[${i}].time ${show(time)} is not a timestamp (${why})`);
        continue;
      }
      const real = times.ns >= NS_1971;
      const row: MarketTradeRow = {
        product_id: productId,
        trade_id: tradeId,
        price,
        size,
        side,
        time: times.ns,
        event_type: type,
        server_timestamp: server.ns,
        capture_timestamp: ctx.captureTimestamp,
        sequence_num: ctx.sequenceNum,
        client_id: ctx.clientId,
        channel: ctx.channel,
        date: real ? times.date : server.date,
        hour: real ? times.hour : server.hour,
      };
      scratch.push(row);
    }
  }
  scratch.reverse();
  for (let i = 1; i < scratch.length; i++) {
    if (scratch[i]!.time < scratch[i - 1]!.time) {
      scratch.sort(byTime);
      break;
    }
  }
  for (let i = 0; i < scratch.length; i++) out.push(scratch[i]!);
  scratch.length = 0;
}

/** `ticker` and `ticker_batch`: one row per ticker; partition keys from the message time. */
export function pushTickerRows(ctx: MessageContext, events: readonly unknown[], out: Row[]): void {
  const server = ctx.server;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const tickers = entries(ctx, ev, e, 'tickers');
    if (!tickers || !isRecord(ev)) continue;
    const type = eventType(ctx, ev, e);
    for (let i = 0; i < tickers.length; i++) {
      const t = tickers[i];
      if (!isRecord(t)) {
        ctx.drop(`events[${e}].tickers[${i}] is not an object: ${show(t)}`);
        continue;
      }
      const productId = t.product_id;
      if (!isNonEmptyString(productId)) {
        ctx.drop(`events[${e}].tickers[${i}].product_id is not a non-empty string: ${show(productId)}`);
        continue;
      }
      const tickerType = t.type;
      const row: TickerRow = {
        product_id: productId,
        ticker_type: typeof tickerType === 'string' ? tickerType : null,
        price: optionalDecimal(ctx, t.price, e, 'tickers', i, 'price'),
        volume_24h: optionalDecimal(ctx, t.volume_24_h, e, 'tickers', i, 'volume_24_h'),
        low_24h: optionalDecimal(ctx, t.low_24_h, e, 'tickers', i, 'low_24_h'),
        high_24h: optionalDecimal(ctx, t.high_24_h, e, 'tickers', i, 'high_24_h'),
        low_52w: optionalDecimal(ctx, t.low_52_w, e, 'tickers', i, 'low_52_w'),
        high_52w: optionalDecimal(ctx, t.high_52_w, e, 'tickers', i, 'high_52_w'),
        price_percent_chg_24h: optionalDecimal(
          ctx,
          t.price_percent_chg_24_h,
          e,
          'tickers',
          i,
          'price_percent_chg_24_h',
        ),
        best_bid: optionalDecimal(ctx, t.best_bid, e, 'tickers', i, 'best_bid'),
        best_bid_quantity: optionalDecimal(ctx, t.best_bid_quantity, e, 'tickers', i, 'best_bid_quantity'),
        best_ask: optionalDecimal(ctx, t.best_ask, e, 'tickers', i, 'best_ask'),
        best_ask_quantity: optionalDecimal(ctx, t.best_ask_quantity, e, 'tickers', i, 'best_ask_quantity'),
        event_type: type,
        server_timestamp: server.ns,
        capture_timestamp: ctx.captureTimestamp,
        sequence_num: ctx.sequenceNum,
        client_id: ctx.clientId,
        channel: ctx.channel,
        date: server.date,
        hour: server.hour,
      };
      out.push(row);
    }
  }
}

/** `candles`: one row per candle; partition keys from the candle start. */
export function pushCandleRows(ctx: MessageContext, events: readonly unknown[], out: Row[]): void {
  const server = ctx.server;
  const starts = ctx.candleStart;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const candles = entries(ctx, ev, e, 'candles');
    if (!candles || !isRecord(ev)) continue;
    const type = eventType(ctx, ev, e);
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i];
      if (!isRecord(c)) {
        ctx.drop(`events[${e}].candles[${i}] is not an object: ${show(c)}`);
        continue;
      }
      const productId = c.product_id;
      if (!isNonEmptyString(productId)) {
        ctx.drop(`events[${e}].candles[${i}].product_id is not a non-empty string: ${show(productId)}`);
        continue;
      }
      const start = parseEpochSecondsNs(c.start);
      if (start === undefined) {
        ctx.drop(`events[${e}].candles[${i}].start is not a string of epoch seconds: ${show(c.start)}`);
        continue;
      }
      starts.setNs(start);
      const real = start >= NS_1971;
      const row: CandleRow = {
        product_id: productId,
        start,
        open: optionalDecimal(ctx, c.open, e, 'candles', i, 'open'),
        high: optionalDecimal(ctx, c.high, e, 'candles', i, 'high'),
        low: optionalDecimal(ctx, c.low, e, 'candles', i, 'low'),
        close: optionalDecimal(ctx, c.close, e, 'candles', i, 'close'),
        volume: optionalDecimal(ctx, c.volume, e, 'candles', i, 'volume'),
        event_type: type,
        server_timestamp: server.ns,
        capture_timestamp: ctx.captureTimestamp,
        sequence_num: ctx.sequenceNum,
        client_id: ctx.clientId,
        channel: ctx.channel,
        date: real ? starts.date : server.date,
        hour: real ? starts.hour : server.hour,
      };
      out.push(row);
    }
  }
}
