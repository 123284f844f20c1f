import { describe, expect, it } from 'vitest';
import { emptySpans } from './coverage.js';

describe('emptySpans', () => {
  it('gives each run of minutes without rows between the first and the last', () => {
    const t0 = Date.parse('2026-08-10T10:00:00Z') / 1000;
    expect(emptySpans([t0, t0 + 60, t0 + 240, t0 + 300, t0 + 420])).toEqual([
      { from: '2026-08-10T10:02:00.000Z', to: '2026-08-10T10:04:00.000Z', seconds: 120 },
      { from: '2026-08-10T10:06:00.000Z', to: '2026-08-10T10:07:00.000Z', seconds: 60 },
    ]);
    expect(emptySpans([t0, t0 + 60])).toEqual([]);
    expect(emptySpans([])).toEqual([]);
  });
});
