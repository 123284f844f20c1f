import { parseTimestampNsOrReason, utcDateKey, utcHourKey } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { ScannedTimes } from './scanned-times.js';

/** Small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Timestamps that mostly share a minute with their predecessor, with every kind of variation. */
function timestamps(count: number, next: () => number): string[] {
  const out: string[] = [];
  let minute = '2026-08-09T21:05:';
  let zone = 'Z';
  for (let i = 0; i < count; i++) {
    const r = next();
    if (r < 0.05)
      minute = `2026-08-${pad(1 + Math.floor(next() * 31))}T${pad(Math.floor(next() * 24))}:${pad(Math.floor(next() * 60))}:`;
    else if (r < 0.07) minute = `1969-12-31T23:59:`;
    else if (r < 0.08) minute = `2026-02-${pad(28 + Math.floor(next() * 3))}T00:00:`;
    if (next() < 0.05)
      zone = ['Z', 'z', '+00:00', '-05:30', '+14:00', '+24:00', 'Z ', ''][Math.floor(next() * 8)]!;
    const seconds =
      next() < 0.03 ? ['60', '61', '5', '5x', '99'][Math.floor(next() * 5)]! : pad(Math.floor(next() * 60));
    const digits = Math.floor(next() * 11);
    let fraction = '';
    if (digits > 0) {
      fraction = '.';
      for (let k = 0; k < digits - 1; k++) fraction += Math.floor(next() * 10);
    }
    out.push(`${minute}${seconds}${fraction}${zone}`);
  }
  return out;
}

describe('ScannedTimes against the core timestamp parser', () => {
  it('agrees on every value and every refusal, partition keys included', () => {
    const next = random(42);
    const times = new ScannedTimes();
    const strings = new ScannedTimes();
    let accepted = 0;
    for (const text of timestamps(20_000, next)) {
      // Inside a bigger buffer, as the scanner sees it.
      const bytes = Buffer.from(`"${text}","x"`, 'latin1');
      const got = times.at(bytes, 1, text.length + 1);
      // The same through the one-pass string scan, which also finds the closing quote.
      const scanned = strings.stringAt(bytes, 1, bytes.length);
      expect(strings.stringEnd).toBe(text.length + 1);
      expect(scanned).toEqual(got);
      const expected = parseTimestampNsOrReason(text);
      if (typeof expected === 'string') {
        expect(got, text).toBeUndefined();
        continue;
      }
      accepted++;
      expect(got, text).toEqual({ ns: expected, date: utcDateKey(expected), hour: utcHourKey(expected) });
    }
    // Not a plain string: an escape, a control character, no closing quote.
    for (const raw of ['"2026-08-09T21:05:48\\Z"', '"2026-08-09T21:05:48\tZ"', '"2026-08-09T21:05:48Z']) {
      const bytes = Buffer.from(raw, 'latin1');
      expect(strings.stringAt(bytes, 1, bytes.length)).toBeUndefined();
      expect(strings.stringEnd).toBe(-1);
    }
    expect(accepted).toBeGreaterThan(8_000);
  });
});
