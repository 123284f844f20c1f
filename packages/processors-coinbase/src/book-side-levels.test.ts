import { describe, expect, it } from 'vitest';
import { BookSideLevels } from './book-side-levels.js';

/** The side's levels, best first, as [key, size]. */
function levelsOf(side: BookSideLevels): [number, number][] {
  const out: [number, number][] = [];
  side.forEachFromTop((key, size) => {
    out.push([key, size]);
  });
  return out;
}

describe('BookSideLevels memory follows the levels it holds', () => {
  it('a side loaded with 5 levels, or built from 5 inserts, has room for 16, not a 256-level chunk', () => {
    const loaded = new BookSideLevels(1);
    loaded.loading = true;
    for (let l = 0; l < 5; l++) loaded.set(100 - l, 1 + l);
    loaded.finishLoad();
    expect(loaded.count).toBe(5);
    expect(loaded.capacity()).toBe(16);

    const inserted = new BookSideLevels(-1);
    for (let l = 0; l < 5; l++) inserted.set(101 + l, 2 + l);
    expect(inserted.capacity()).toBe(16);
    expect(levelsOf(inserted)).toEqual([
      [-101, 2],
      [-102, 3],
      [-103, 4],
      [-104, 5],
      [-105, 6],
    ]);
  });

  it('grows by doubling up to a 256-level chunk, then splits, keeping every level in order', () => {
    const side = new BookSideLevels(1);
    const capacities: number[] = [];
    // Inserts alternate below and above the current levels so growth happens mid-chunk too.
    const want = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const price = i % 2 === 0 ? 1000 + i : 1000 - i;
      side.set(price, i + 1);
      want.set(price, i + 1);
      if (capacities[capacities.length - 1] !== side.capacity()) capacities.push(side.capacity());
    }
    expect(capacities.slice(0, 5)).toEqual([16, 32, 64, 128, 256]);
    // Past 256 levels the chunk splits into full-size chunks (deep books behave as before).
    expect(side.capacity() % 256).toBe(0);
    expect(side.capacity()).toBeLessThan(2 * 600 + 256);
    const sorted = [...want.entries()].sort((a, b) => b[0] - a[0]);
    expect(levelsOf(side)).toEqual(sorted);
    for (let i = 0; i < sorted.length; i += 37) {
      expect(side.keyAt(i)).toBe(sorted[i]![0]);
      expect(side.sizeAt(i)).toBe(sorted[i]![1]);
    }
  });

  it('a snapshot sizes its last chunk to what it holds and deep snapshots keep half-full 256-level chunks', () => {
    for (const [levels, capacity] of [
      [0, 0],
      [1, 16],
      [8, 16],
      [9, 32],
      [100, 256],
      [128, 256],
      [129, 256 + 16],
      [1000, 7 * 256 + 256],
    ] as const) {
      const side = new BookSideLevels(1);
      side.loading = true;
      for (let l = 0; l < levels; l++) side.set(10_000 - l, 1);
      side.finishLoad();
      expect(side.count).toBe(levels);
      expect(side.capacity(), `${levels} levels`).toBe(capacity);
      // Filling the loaded side up grows it without losing a level.
      for (let l = 0; l < 300; l++) side.set(20_000 + l, 2);
      expect(side.count).toBe(levels + 300);
      expect(side.bestKey()).toBe(20_299);
      expect(side.keyAt(levels + 299)).toBe(levels > 0 ? 10_001 - levels : 20_000);
    }
  });
});
