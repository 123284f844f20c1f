/**
 * Book health: how long the reconstructed book was valid (from `book_valid` on level2 rows,
 * weighted by time), the runs while it was not, and the `quality` events of the day.
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
import type { BookHealth, InvalidSpan, QualityEvent } from './report-types.js';

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

interface ValidTime {
  messages: number;
  validNs: bigint;
  observedNs: bigint;
}

async function validTimes(session: ReportSession, filter: string): Promise<Map<string, ValidTime>> {
  const rows = await session.rows(`
    WITH timed AS (${timedMessages(filter)})
    SELECT product_id, d, count(*) AS messages,
           coalesce(sum(coalesce(next_t, t) - t), 0) AS observed_ns,
           coalesce(sum(coalesce(next_t, t) - t) FILTER (WHERE valid), 0) AS valid_ns
    FROM timed GROUP BY ALL`);
  return new Map(
    rows.map((r) => [
      dayKey(String(r.product_id), String(r.d)),
      { messages: toNumber(r.messages), validNs: nsOf(r.valid_ns), observedNs: nsOf(r.observed_ns) },
    ]),
  );
}

async function invalidSpans(session: ReportSession, filter: string): Promise<Map<string, InvalidSpan[]>> {
  const rows = await session.rows(`
    WITH timed AS (${timedMessages(filter)})
    SELECT product_id, d, min(t) AS from_ns, max(coalesce(next_t, t)) AS to_ns,
           arg_max(next_t, t) IS NOT NULL AS recovered, count(*) AS messages
    FROM timed WHERE NOT valid GROUP BY product_id, d, run ORDER BY product_id, d, from_ns`);
  const byDay = new Map<string, InvalidSpan[]>();
  for (const r of rows) {
    const from = nsOf(r.from_ns);
    const to = nsOf(r.to_ns);
    const key = dayKey(String(r.product_id), String(r.d));
    const list = byDay.get(key) ?? [];
    list.push({
      from: isoFromNs(from),
      to: isoFromNs(to),
      seconds: nsToSeconds(to - from),
      messages: toNumber(r.messages),
      recovered: r.recovered === true,
    });
    byDay.set(key, list);
  }
  return byDay;
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
  const times = await validTimes(session, filter);
  const spans = await invalidSpans(session, filter);
  const events = await qualityEvents(session, selection);
  for (const [key, time] of times) {
    const [product, date] = key.split('\u0000') as [string, string];
    const own = (events.get(date) ?? []).filter((e) => e.product_id === null || e.product_id === product);
    const counts: Record<string, number> = {};
    for (const e of own) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    byDay.set(key, {
      messages: time.messages,
      valid_share: time.observedNs > 0n ? Number(time.validNs) / Number(time.observedNs) : null,
      valid_seconds: nsToSeconds(time.validNs),
      observed_seconds: nsToSeconds(time.observedNs),
      invalid_spans: spans.get(key) ?? [],
      events: own,
      event_counts: counts,
      crossed_book_repairs: counts.crossed_book ?? 0,
    });
  }
  return byDay;
}
