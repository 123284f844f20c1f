/** The stats both feed parsers report, from their counts. */
import type { Stats } from '@etl/core';

export interface FeedParserCounts {
  /** Messages by channel (Advanced Trade) or type (Exchange). */
  readonly messages: ReadonlyMap<string, number>;
  /** Rows made per dataset. */
  readonly datasetRows: Readonly<Record<string, number>>;
  readonly controlRows: number;
  readonly badEntries: number;
  readonly skipped: number;
}

/** `snapshot` with counters `messages:<name>`, `rows:<dataset>`, `rows:control`, `bad_entries` and `skipped_other_channels` (non-zero ones). */
export function feedParserStats(snapshot: Stats, counts: FeedParserCounts): Stats {
  const counters: Record<string, number> = { ...snapshot.counters };
  for (const [name, n] of counts.messages) counters[`messages:${name}`] = n;
  for (const [dataset, n] of Object.entries(counts.datasetRows)) if (n > 0) counters[`rows:${dataset}`] = n;
  if (counts.controlRows > 0) counters['rows:control'] = counts.controlRows;
  if (counts.badEntries > 0) counters.bad_entries = counts.badEntries;
  if (counts.skipped > 0) counters.skipped_other_channels = counts.skipped;
  return { ...snapshot, counters };
}
