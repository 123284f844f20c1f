/**
 * Book health: how long the reconstructed book could be trusted, the spans while it could not, and
 * the `quality` events of the day. The book is out from the message before an invalidating event
 * (gap, reconnect, stale checkpoint, invalid level: what came after was lost) until the product's
 * next valid message, and while its latest level2 message says `book_valid` false. The share is
 * weighted by time between the day's first and last level2 message.
 */
import { dayKey } from './coverage.js';
import {
  isoFromNs,
  nsOf,
  nsToSeconds,
  type ReportSession,
  type Selection,
  selectionFilter,
  toNullableNumber,
  toNumber,
} from './report-session.js';
import type { BookHealth, QualityEvent } from './report-types.js';

/**
 * One row per message time: the book as the last message at that time left it (rows of one
 * message share their time and their book columns; a later message at the same time wins).
 * Each state lasts until the next message of the product and day.
 */
const timedMessages = (filter: string): string => `
  WITH msgs AS (
    SELECT product_id, CAST(date AS VARCHAR) AS d, epoch_ns(server_timestamp) AS t,
           arg_max(book_valid, sequence_num) AS valid
    FROM level2
    WHERE ${filter} AND server_timestamp IS NOT NULL AND book_valid IS NOT NULL AND product_id IS NOT NULL
    GROUP BY ALL
  )
  SELECT *, lead(t) OVER w AS next_t,
         row_number() OVER w - row_number() OVER (PARTITION BY product_id, d, valid ORDER BY t) AS run
  FROM msgs WINDOW w AS (PARTITION BY product_id, d ORDER BY t)`;

/** Kinds that mean the book could not be trusted at that point (marked on the charts). */
export const MARKED_KINDS: ReadonlySet<string> = new Set([
  'gap',
  'reconnect',
  'checkpoint_stale',
  'invalid_level',
  'crossed_book',
]);

/** Event kinds after which the book cannot be known until the product's next valid message. */
const INVALIDATING_KINDS = ['gap', 'reconnect', 'checkpoint_stale', 'invalid_level'] as const;

interface Interval {
  from: bigint;
  to: bigint;
  recovered: boolean;
  cause: string;
}

interface DayTimes {
  messages: number;
  first: bigint;
  last: bigint;
  intervals: Interval[];
}

async function dayTimes(session: ReportSession, filter: string): Promise<Map<string, DayTimes>> {
  const rows = await session.rows(`
    SELECT product_id, d, count(*) AS messages, min(t) AS first_ns, max(t) AS last_ns
    FROM (${timedMessages(filter)}) GROUP BY ALL`);
  return new Map(
    rows.map((r) => [
      dayKey(String(r.product_id), String(r.d)),
      { messages: toNumber(r.messages), first: nsOf(r.first_ns), last: nsOf(r.last_ns), intervals: [] },
    ]),
  );
}

/** Runs of messages after which `book_valid` was false: until the next valid message. */
async function invalidRuns(
  session: ReportSession,
  filter: string,
  days: Map<string, DayTimes>,
): Promise<void> {
  const rows = await session.rows(`
    WITH timed AS (${timedMessages(filter)})
    SELECT product_id, d, min(t) AS from_ns, max(coalesce(next_t, t)) AS to_ns,
           arg_max(next_t, t) IS NOT NULL AS recovered
    FROM timed WHERE NOT valid GROUP BY product_id, d, run`);
  for (const r of rows) {
    days.get(dayKey(String(r.product_id), String(r.d)))?.intervals.push({
      from: nsOf(r.from_ns),
      to: nsOf(r.to_ns),
      recovered: r.recovered === true,
      cause: 'book_valid false',
    });
  }
}

/**
 * The span of each invalidating event, per product it concerns: from the message before it (what
 * came after was lost) to the product's next valid message after the event (a snapshot).
 */
async function eventOutages(
  session: ReportSession,
  filter: string,
  selection: Selection,
  days: Map<string, DayTimes>,
): Promise<void> {
  const view = session.datasets.get('quality');
  if (view === undefined) return;
  const kinds = INVALIDATING_KINDS.map((k) => `'${k}'`).join(', ');
  const rows = await session.rows(`
    WITH msgs AS (${timedMessages(filter)}),
    products AS (SELECT DISTINCT product_id, d FROM msgs),
    ev AS (
      SELECT q.kind, p.product_id, p.d,
             epoch_ns(coalesce(q.time_from, q.time_to)) AS from_ns, epoch_ns(coalesce(q.time_to, q.time_from)) AS to_ns
      FROM quality q JOIN products p
        ON CAST(q.date AS VARCHAR) = p.d AND (q.product_id IS NULL OR q.product_id = p.product_id)
      WHERE ${selectionFilter(view, selection, true, 'q.')}
        AND q.kind IN (${kinds}) AND coalesce(q.time_from, q.time_to) IS NOT NULL
    )
    SELECT ev.kind, ev.product_id, ev.d, ev.from_ns, ev.to_ns, v.t AS recovered_ns
    FROM ev ASOF LEFT JOIN (SELECT product_id, d, t FROM msgs WHERE valid) v
      ON ev.product_id = v.product_id AND ev.d = v.d AND v.t > ev.to_ns`);
  for (const r of rows) {
    const day = days.get(dayKey(String(r.product_id), String(r.d)));
    if (day === undefined) continue;
    const recovered = r.recovered_ns !== null && r.recovered_ns !== undefined;
    day.intervals.push({
      from: nsOf(r.from_ns),
      to: recovered ? nsOf(r.recovered_ns) : day.last,
      recovered,
      cause: String(r.kind),
    });
  }
}

/** Overlapping or touching intervals merged, clipped to [first, last]. */
export function mergeIntervals(intervals: readonly Interval[], first: bigint, last: bigint): Interval[] {
  const clipped = intervals
    .map((i) => ({ ...i, from: i.from < first ? first : i.from, to: i.to > last ? last : i.to }))
    .filter((i) => i.to >= i.from)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: Interval[] = [];
  for (const i of clipped) {
    const prev = merged.at(-1);
    if (prev !== undefined && i.from <= prev.to) {
      if (i.to > prev.to) {
        prev.to = i.to;
        prev.recovered = i.recovered;
      } else if (i.to === prev.to) prev.recovered &&= i.recovered;
      if (!prev.cause.split(', ').includes(i.cause)) prev.cause += `, ${i.cause}`;
    } else merged.push({ ...i });
  }
  return merged;
}

const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : isoFromNs(nsOf(v)));

/** Quality events by date: `date` → events (product-specific and connection-wide), in time order. */
async function qualityEvents(
  session: ReportSession,
  selection: Selection,
): Promise<Map<string, QualityEvent[]>> {
  const view = session.datasets.get('quality');
  const byDate = new Map<string, QualityEvent[]>();
  if (view === undefined) return byDate;
  const rows = await session.rows(`
    SELECT kind, product_id, sequence_from, sequence_to, epoch_ns(time_from) AS from_ns,
           epoch_ns(time_to) AS to_ns, detail, CAST(date AS VARCHAR) AS d
    FROM quality WHERE ${selectionFilter(view, selection, true)}
    ORDER BY d, coalesce(time_from, time_to), kind`);
  for (const r of rows) {
    const date = String(r.d);
    const list = byDate.get(date) ?? [];
    list.push({
      kind: String(r.kind),
      product_id: r.product_id === null ? null : String(r.product_id),
      sequence_from: toNullableNumber(r.sequence_from),
      sequence_to: toNullableNumber(r.sequence_to),
      time_from: isoOrNull(r.from_ns),
      time_to: isoOrNull(r.to_ns),
      detail: r.detail === null ? null : String(r.detail),
    });
    byDate.set(date, list);
  }
  return byDate;
}

/** `product_id, date` → book health, for every product-day with level2 rows carrying `book_valid`. */
export async function bookHealthByDay(
  session: ReportSession,
  selection: Selection,
): Promise<Map<string, BookHealth>> {
  const view = session.datasets.get('level2');
  const byDay = new Map<string, BookHealth>();
  if (view === undefined || !view.columns.has('book_valid') || !view.columns.has('server_timestamp'))
    return byDay;
  const filter = selectionFilter(view, selection);
  const days = await dayTimes(session, filter);
  await invalidRuns(session, filter, days);
  await eventOutages(session, filter, selection, days);
  const events = await qualityEvents(session, selection);
  for (const [key, day] of days) {
    const [product, date] = key.split('\u0000') as [string, string];
    const own = (events.get(date) ?? []).filter((e) => e.product_id === null || e.product_id === product);
    const counts: Record<string, number> = {};
    for (const e of own) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    const spans = mergeIntervals(day.intervals, day.first, day.last);
    const invalidNs = spans.reduce((sum, i) => sum + (i.to - i.from), 0n);
    const observedNs = day.last - day.first;
    byDay.set(key, {
      messages: day.messages,
      valid_share: observedNs > 0n ? Number(observedNs - invalidNs) / Number(observedNs) : null,
      valid_seconds: nsToSeconds(observedNs - invalidNs),
      observed_seconds: nsToSeconds(observedNs),
      invalid_spans: spans.map((i) => ({
        from: isoFromNs(i.from),
        to: isoFromNs(i.to),
        seconds: nsToSeconds(i.to - i.from),
        recovered: i.recovered,
        causes: i.cause.split(', '),
      })),
      events: own,
      event_counts: counts,
      crossed_book_repairs: counts.crossed_book ?? 0,
    });
  }
  return byDay;
}
