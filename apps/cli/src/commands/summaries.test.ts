import type { StreamSummary } from '@etl/orchestrator';
import type { WorkerSummary } from '@etl/queue-bullmq';
import { describe, expect, it } from 'vitest';
import { workerText } from './queue.js';
import { streamSummaryText } from './stream.js';

const datasets = {
  level2: { rows: 1234567, files: 12, bytes: 4096 },
  candles: { rows: 102, files: 1, bytes: 5632 },
};

/** The dataset table every converting command prints: separators, numbers right-aligned. */
const TABLE = [
  'dataset       rows  files     size',
  '───────  ─────────  ─────  ───────',
  'candles        102      1  5.5 KiB',
  'level2   1,234,567     12  4.0 KiB',
].join('\n');

describe('worker and stream summaries', () => {
  it('etl worker prints counts with thousands separators, right-aligned, like etl run', () => {
    const summary: WorkerSummary = {
      segments: { converted: 2, alreadyDone: 0, failed: 0 },
      converted_segments: [],
      unrecorded_segments: [],
      queue_state_lost: null,
      states: { saved: 2, present: 0 },
      commits: { dates: ['2026-08-09'], incomplete: [] },
      datasets,
      quarantined_lines: 0,
      lines: 12345,
      bytes_in: 1024,
      elapsed_s: 1,
      failures: [],
      failed_jobs: [],
    };
    expect(workerText(summary, '/out')).toContain(`\n${TABLE}\n`);
  });

  it('etl stream does too', () => {
    const summary = {
      commits: 1,
      records: 23456,
      position: 23456,
      resumedFrom: 0,
      datasets,
      features: 1000,
      quarantinedLines: 0,
      elapsedS: 2,
    } as unknown as StreamSummary;
    const text = streamSummaryText(summary, '/out');
    expect(text).toContain(`\n${TABLE}\n`);
    expect(text).toContain('Stream:   23,456 messages');
    expect(text).toContain('Features: 1,000 published');
  });
});
