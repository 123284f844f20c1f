import { describe, expect, it } from 'vitest';
import {
  growingPercentFor,
  LARGE_HEAP_GROWING_PERCENT,
  LARGE_LIVE_HEAP_BYTES,
  userChoseGrowing,
} from './heap-tuning.js';

describe('heap tuning', () => {
  it("leaves a small live heap to V8's own growing factor", () => {
    expect(growingPercentFor(12 * 2 ** 20)).toBe(0);
    expect(growingPercentFor(LARGE_LIVE_HEAP_BYTES)).toBe(0);
  });

  it('holds growth back once the live heap is large', () => {
    expect(growingPercentFor(LARGE_LIVE_HEAP_BYTES + 1)).toBe(LARGE_HEAP_GROWING_PERCENT);
    expect(growingPercentFor(200 * 2 ** 20)).toBe(LARGE_HEAP_GROWING_PERCENT);
  });

  it("leaves a user's own growing factor alone", () => {
    expect(userChoseGrowing(['--enable-source-maps', '--max-old-space-size=512'])).toBe(false);
    expect(userChoseGrowing(['--heap-growing-percent=50'])).toBe(true);
    expect(userChoseGrowing(['--heap_growing_percent=50'])).toBe(true);
  });
});
