import { describe, expect, it } from 'vitest';
import { mergeIntervals } from './book-health.js';

const iv = (from: number, to: number, cause: string, recovered = true) => ({
  from: BigInt(from),
  to: BigInt(to),
  recovered,
  cause,
});

describe('mergeIntervals', () => {
  it('merges overlapping and touching spans, keeping every cause once', () => {
    const merged = mergeIntervals(
      [
        iv(50, 60, 'gap'),
        iv(10, 20, 'book_valid false'),
        iv(15, 30, 'gap'),
        iv(30, 40, 'reconnect'),
        iv(55, 58, 'gap'),
      ],
      0n,
      100n,
    );
    expect(merged.map((m) => [Number(m.from), Number(m.to), m.cause])).toEqual([
      [10, 40, 'book_valid false, gap, reconnect'],
      [50, 60, 'gap'],
    ]);
  });

  it('clips to the day and keeps whether the last part recovered', () => {
    const merged = mergeIntervals([iv(-5, 10, 'checkpoint_stale'), iv(90, 120, 'gap', false)], 0n, 100n);
    expect(merged.map((m) => [Number(m.from), Number(m.to), m.recovered])).toEqual([
      [0, 10, true],
      [90, 100, false],
    ]);
  });
});
