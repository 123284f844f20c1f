/** Market picture: mid and spread per second from the book columns, trade volume per minute by taker side. */
import { dayKey } from './coverage.js';
import {
  type ReportSession,
  type Selection,
  selectionFilter,
  toNullableNumber,
  toNumber,
} from './report-session.js';
import type { MarketPicture } from './report-types.js';

interface SecondSeries {
  t: number[];
  mid: (number | null)[];
  spread: (number | null)[];
}

interface MinuteVolumes {
  minute: number[];
  buy: number[];
  sell: number[];
  unknown: number[];
  count: number;
  notional: number;
}

async function secondSeries(
  session: ReportSession,
  selection: Selection,
): Promise<Map<string, SecondSeries>> {
  const view = session.datasets.get('level2');
  const byDay = new Map<string, SecondSeries>();
  if (view === undefined || !view.columns.has('mid_price') || !view.columns.has('server_timestamp'))
    return byDay;
  const valid = view.columns.has('book_valid') ? 'book_valid' : 'TRUE';
  // The last valid book of each second: the value a one-second chart (or resample) would show.
  const rows = await session.rows(`
    SELECT product_id, CAST(date AS VARCHAR) AS d, epoch_ns(server_timestamp) // 1000000000 AS s,
           arg_max(mid_price, server_timestamp) FILTER (WHERE ${valid} AND mid_price IS NOT NULL) AS mid,
           arg_max(spread_bps, server_timestamp) FILTER (WHERE ${valid} AND mid_price IS NOT NULL) AS spread
    FROM level2
    WHERE ${selectionFilter(view, selection)} AND server_timestamp IS NOT NULL AND product_id IS NOT NULL
    GROUP BY ALL ORDER BY product_id, d, s`);
  for (const r of rows) {
    const key = dayKey(String(r.product_id), String(r.d));
    let series = byDay.get(key);
    if (series === undefined) {
      series = { t: [], mid: [], spread: [] };
      byDay.set(key, series);
    }
    series.t.push(toNumber(r.s));
    series.mid.push(toNullableNumber(r.mid));
    series.spread.push(toNullableNumber(r.spread));
  }
  return byDay;
}

async function tradeVolumes(
  session: ReportSession,
  selection: Selection,
): Promise<Map<string, MinuteVolumes>> {
  const view = session.datasets.get('market_trades');
  const byDay = new Map<string, MinuteVolumes>();
  if (view === undefined || !view.columns.has('size') || !view.columns.has('time')) return byDay;
  const side = view.columns.has('aggressor_side') ? 'aggressor_side' : 'NULL';
  const value = view.columns.has('value') ? 'value' : 'price * size';
  const rows = await session.rows(`
    SELECT product_id, CAST(date AS VARCHAR) AS d, epoch_ns(time) // 60000000000 AS m,
           coalesce(sum(size) FILTER (WHERE ${side} = 'buy'), 0) AS buy,
           coalesce(sum(size) FILTER (WHERE ${side} = 'sell'), 0) AS sell,
           coalesce(sum(size) FILTER (WHERE ${side} IS NULL OR ${side} NOT IN ('buy', 'sell')), 0) AS unknown,
           count(*) AS n, coalesce(sum(${value}), 0) AS notional
    FROM market_trades
    WHERE ${selectionFilter(view, selection)} AND time IS NOT NULL AND product_id IS NOT NULL
    GROUP BY ALL ORDER BY product_id, d, m`);
  for (const r of rows) {
    const key = dayKey(String(r.product_id), String(r.d));
    let v = byDay.get(key);
    if (v === undefined) {
      v = { minute: [], buy: [], sell: [], unknown: [], count: 0, notional: 0 };
      byDay.set(key, v);
    }
    v.minute.push(toNumber(r.m) * 60);
    v.buy.push(toNumber(r.buy));
    v.sell.push(toNumber(r.sell));
    v.unknown.push(toNumber(r.unknown));
    v.count += toNumber(r.n);
    v.notional += toNumber(r.notional);
  }
  return byDay;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

function picture(seconds: SecondSeries | undefined, volumes: MinuteVolumes | undefined): MarketPicture {
  const s = seconds ?? { t: [], mid: [], spread: [] };
  const mids = s.mid.filter((m): m is number => m !== null);
  const spreads = s.spread.filter((m): m is number => m !== null);
  const v = volumes ?? { minute: [], buy: [], sell: [], unknown: [], count: 0, notional: 0 };
  return {
    seconds: { t: s.t, mid: s.mid, spread_bps: s.spread },
    mid: {
      first: mids[0] ?? null,
      last: mids.at(-1) ?? null,
      min: mids.length ? mids.reduce((a, b) => Math.min(a, b)) : null,
      max: mids.length ? mids.reduce((a, b) => Math.max(a, b)) : null,
    },
    spread_bps: {
      median: median(spreads),
      max: spreads.length ? spreads.reduce((a, b) => Math.max(a, b)) : null,
    },
    trades_per_minute: { minute: v.minute, buy: v.buy, sell: v.sell, unknown: v.unknown },
    trades: {
      count: v.count,
      volume: sum(v.buy) + sum(v.sell) + sum(v.unknown),
      buy_volume: sum(v.buy),
      sell_volume: sum(v.sell),
      unknown_volume: sum(v.unknown),
      notional: v.notional,
    },
  };
}

/** `product_id, date` → market picture (empty series for a day without level2 or trades). */
export async function marketPictureByDay(
  session: ReportSession,
  selection: Selection,
  keys: Iterable<string>,
): Promise<Map<string, MarketPicture>> {
  const seconds = await secondSeries(session, selection);
  const volumes = await tradeVolumes(session, selection);
  const byDay = new Map<string, MarketPicture>();
  for (const key of keys) byDay.set(key, picture(seconds.get(key), volumes.get(key)));
  return byDay;
}
