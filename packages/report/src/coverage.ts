/** Coverage: rows per minute of each dataset, per product and day, and the minutes without any. */

import {
  type DatasetView,
  isoFromNs,
  nsOf,
  type ReportSession,
  type Selection,
  selectionFilter,
  sqlIdent,
  toNumber,
} from './report-session.js';
import type { DatasetCoverage, TimeSpan } from './report-types.js';

/** Datasets that hold events about the data, not data: they get their own section. */
const NOT_COVERAGE = new Set(['quality']);
const TIME_COLUMNS = ['server_timestamp', 'timestamp', 'time', 'event_time', 'start'];

/** The column a dataset's rows are placed in time by: a trade's own time, else the message's. */
function timeColumnOf(view: DatasetView): string | undefined {
  if (view.name === 'market_trades' && view.columns.has('time')) return 'time';
  return TIME_COLUMNS.find((c) => view.columns.get(c)?.startsWith('TIMESTAMP'));
}

/** `product_id, date` → coverage of each dataset. */
export type CoverageByDay = Map<string, DatasetCoverage[]>;
export const dayKey = (product: string, date: string): string => `${product}\u0000${date}`;

const MINUTE_S = 60;
const MINUTES_PER_DAY = 1440;

/** Runs of minutes absent from `minutes` (sorted epoch seconds) between its first and last. */
export function emptySpans(minutes: readonly number[]): TimeSpan[] {
  const spans: TimeSpan[] = [];
  for (let i = 1; i < minutes.length; i++) {
    const prev = minutes[i - 1] as number;
    const next = minutes[i] as number;
    if (next - prev <= MINUTE_S) continue;
    const from = prev + MINUTE_S;
    spans.push({
      from: new Date(from * 1000).toISOString(),
      to: new Date(next * 1000).toISOString(),
      seconds: next - from,
    });
  }
  return spans;
}

async function datasetCoverage(
  session: ReportSession,
  view: DatasetView,
  timeColumn: string,
  selection: Selection,
  into: CoverageByDay,
): Promise<void> {
  const t = sqlIdent(timeColumn);
  const rows = await session.rows(
    `SELECT product_id, CAST(date AS VARCHAR) AS date, epoch_ns(${t}) // 60000000000 AS minute,
            count(*) AS n, min(epoch_ns(${t})) AS first_ns, max(epoch_ns(${t})) AS last_ns
     FROM ${sqlIdent(view.name)}
     WHERE ${selectionFilter(view, selection)} AND ${t} IS NOT NULL AND product_id IS NOT NULL AND date IS NOT NULL
     GROUP BY ALL ORDER BY product_id, date, minute`,
  );
  let i = 0;
  while (i < rows.length) {
    const product = String(rows[i]?.product_id);
    const date = String(rows[i]?.date);
    const minute: number[] = [];
    const perMinute: number[] = [];
    let first = nsOf(rows[i]?.first_ns);
    let last = first;
    let total = 0;
    for (; i < rows.length && rows[i]?.product_id === product && rows[i]?.date === date; i++) {
      const r = rows[i] as Record<string, unknown>;
      const n = toNumber(r.n);
      minute.push(toNumber(r.minute) * MINUTE_S);
      perMinute.push(n);
      total += n;
      const f = nsOf(r.first_ns);
      const l = nsOf(r.last_ns);
      if (f < first) first = f;
      if (l > last) last = l;
    }
    const spans = emptySpans(minute);
    const coverage: DatasetCoverage = {
      dataset: view.name,
      time_column: timeColumn,
      rows: total,
      first: isoFromNs(first),
      last: isoFromNs(last),
      minutes_with_data: minute.length,
      empty_minutes: spans.reduce((sum, s) => sum + s.seconds / MINUTE_S, 0),
      empty_spans: spans,
      minutes_without_data: MINUTES_PER_DAY - minute.length,
      per_minute: { minute, rows: perMinute },
    };
    const key = dayKey(product, date);
    const list = into.get(key) ?? [];
    list.push(coverage);
    into.set(key, list);
  }
}

/** Coverage of every dataset with a `product_id`, a `date` and a time column. */
export async function coverageByDay(session: ReportSession, selection: Selection): Promise<CoverageByDay> {
  const byDay: CoverageByDay = new Map();
  for (const view of session.datasets.values()) {
    if (NOT_COVERAGE.has(view.name) || !view.columns.has('product_id') || !view.columns.has('date')) continue;
    const timeColumn = timeColumnOf(view);
    if (timeColumn === undefined) continue;
    await datasetCoverage(session, view, timeColumn, selection, byDay);
  }
  return byDay;
}
