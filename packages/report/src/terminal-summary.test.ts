import { describe, expect, it } from 'vitest';
import type { ProductDayReport, QualityReport } from './report-types.js';
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

const event = (kind: string, time: string) => ({
  kind,
  product_id: null,
  sequence_from: 5,
  sequence_to: 9,
  time_from: `2026-08-10T${time}.000000000Z`,
  time_to: `2026-08-10T${time}.500000000Z`,
  detail: null,
});

const day: ProductDayReport = {
  product_id: 'BTC-USD',
  date: '2026-08-10',
  coverage: [],
  book: {
    messages: 10,
    valid_share: 0.5,
    valid_seconds: 5,
    observed_seconds: 10,
    invalid_spans: [
      {
        from: '2026-08-10T03:00:00.000000000Z',
        to: '2026-08-10T03:00:05.000000000Z',
        seconds: 5,
        recovered: false,
        causes: ['gap'],
      },
    ],
    events: [
      event('crossed_book', '02:00:00'),
      event('gap', '03:00:00'),
      event('sequence_jump_unverified', '04:00:00'),
    ],
    event_counts: { crossed_book: 1, gap: 1, sequence_jump_unverified: 1 },
    crossed_book_repairs: 1,
  },
  market: {
    seconds: { t: [], mid: [], spread_bps: [] },
    mid: { first: null, last: null, min: null, max: null },
    spread_bps: { median: null, max: null },
    trades_per_minute: { minute: [], buy: [], sell: [], unknown: [] },
    trades: { count: 0, volume: 0, buy_volume: 0, sell_volume: 0, unknown_volume: 0, notional: 0 },
  },
};

describe('formatReport of a day', () => {
  it('lists gaps and invalid spans in time order, counts crossed books and unverified jumps without listing them', () => {
    const text = formatReport({ ...empty, days: [day] });
    expect(text).toContain(
      'valid 50.00 % of 10.0 s (10 message times), 1 invalid span(s), 1 crossed-book repair(s)',
    );
    expect(text).toContain('quality  crossed_book 1, gap 1, sequence_jump_unverified 1');
    const gaps = text.split('  gaps\n')[1]?.split('\n').slice(0, 3) ?? [];
    expect(gaps[0]).toMatch(/^ {4}gap +03:00:00\.000 → 03:00:00\.500 seq 5…9$/);
    expect(gaps[1]).toMatch(
      /^ {4}book invalid +03:00:00\.000 → 03:00:05\.000 {2}5\.00 s \(not recovered that day\)$/,
    );
    expect(gaps[2]).not.toMatch(/crossed_book|sequence_jump/);
  });
});
