import { describe, expect, it } from 'vitest';
import type { QualityReport } from './report-types.js';
import { formatDuration, formatReport } from './terminal-summary.js';

const empty: QualityReport = {
  version: 1,
  root: '/out/coinbase',
  generated_at: '2026-08-10T00:00:00.000Z',
  dates: { start: '2026-08-09', end: '2026-08-10' },
  products: ['BTC-USD'],
  days: [],
  input: {
    segments: [],
    totals: { segments: 0, lines: 0, quarantined_lines: 0, quarantined_rows: 0, failed_segments: 1 },
    quarantine_reasons: [],
    failed: [
      {
        segment: 's.ndjson',
        failed_at: null,
        error: 'bad\nstack',
        code: null,
        report: '/f/s.ndjson.error.json',
      },
    ],
    failed_dirs: ['/f'],
  },
};

describe('formatDuration', () => {
  it('picks a unit a person reads at a glance', () => {
    expect([0.0005, 0.25, 5, 61.8, 1800, 86_400].map(formatDuration)).toEqual([
      '0.50 ms',
      '250 ms',
      '5.00 s',
      '61.8 s',
      '30.0 min',
      '24.0 h',
    ]);
  });
});

describe('formatReport', () => {
  it('colours only when asked, and says when nothing matched', () => {
    const plain = formatReport(empty);
    expect(plain).not.toMatch(/\x1b\[/);
    expect(plain).toContain('(2026-08-09 … 2026-08-10, BTC-USD)');
    expect(plain).toContain('no rows for this selection');
    expect(plain).toContain('failed s.ndjson: bad (/f/s.ndjson.error.json)');
    expect(formatReport(empty, { color: true })).toMatch(/\x1b\[31mfailed s\.ndjson\x1b\[0m/);
  });
});
