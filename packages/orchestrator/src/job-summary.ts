import type { DatasetSummary, SegmentResult } from './segment-pipeline.js';

export interface JobSummary {
  segments: {
    processed: number;
    failed: number;
    /** Claimed by another live process during this run. */
    skipped: number;
    /** Of `processed`: output already committed by an interrupted run, only finished now. */
    resumed: number;
  };
  datasets: Record<string, DatasetSummary>;
  /** Distinct input lines set aside (see `_quarantine/`). */
  quarantined_lines: number;
  /** Rows set aside after parsing (writer schema check, partition value check). */
  quarantined_rows: number;
  lines: number;
  bytes_in: number;
  elapsed_s: number;
  failures: { segment: string; error: string }[];
  /**
   * Converted segments kept in done/ instead of being deleted, because lines of datasets this run
   * does not write (`--channels`, disabled channels) are in them.
   */
  kept_inputs: { segment: string; path: string; reason: string }[];
  /** Data lines not converted because their dataset was not written, by channel (or Exchange type). */
  skipped_lines: Record<string, number>;
  /** A stop was requested (SIGINT/SIGTERM) before every segment was done. */
  interrupted: boolean;
  /** Why the run stopped before the end, when it did (e.g. the output is not writable). */
  stopped?: string;
}

export function emptySummary(): JobSummary {
  return {
    segments: { processed: 0, failed: 0, skipped: 0, resumed: 0 },
    datasets: {},
    quarantined_lines: 0,
    quarantined_rows: 0,
    lines: 0,
    bytes_in: 0,
    elapsed_s: 0,
    failures: [],
    kept_inputs: [],
    skipped_lines: {},
    interrupted: false,
  };
}

function addDataset(into: Record<string, DatasetSummary>, dataset: string, s: DatasetSummary): void {
  const d = (into[dataset] ??= { rows: 0, files: 0, bytes: 0 });
  d.rows += s.rows;
  d.files += s.files;
  d.bytes += s.bytes;
}

/** Adds one converted (or resumed) segment to the summary. */
export function addSegment(summary: JobSummary, result: SegmentResult): void {
  summary.segments.processed++;
  if (result.resumed) summary.segments.resumed++;
  summary.quarantined_lines += result.quarantinedLines;
  summary.quarantined_rows += result.quarantinedRows ?? 0;
  summary.lines += result.lines;
  summary.bytes_in += result.bytesIn;
  for (const [d, s] of Object.entries(result.datasets)) addDataset(summary.datasets, d, s);
  for (const [c, n] of Object.entries(result.skippedLines ?? {}))
    summary.skipped_lines[c] = (summary.skipped_lines[c] ?? 0) + n;
}

export function mergeSummary(into: JobSummary, s: JobSummary): void {
  into.segments.processed += s.segments.processed;
  into.segments.failed += s.segments.failed;
  into.segments.skipped += s.segments.skipped;
  into.segments.resumed += s.segments.resumed;
  into.quarantined_lines += s.quarantined_lines;
  into.quarantined_rows += s.quarantined_rows;
  into.lines += s.lines;
  into.bytes_in += s.bytes_in;
  into.failures.push(...s.failures);
  into.kept_inputs.push(...s.kept_inputs);
  for (const [c, n] of Object.entries(s.skipped_lines))
    into.skipped_lines[c] = (into.skipped_lines[c] ?? 0) + n;
  into.interrupted ||= s.interrupted;
  if (s.stopped !== undefined) into.stopped = s.stopped;
  for (const [d, v] of Object.entries(s.datasets)) addDataset(into.datasets, d, v);
}
