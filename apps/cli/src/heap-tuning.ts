/**
 * How the CLI has V8 size its heap; bin.ts imports this first. After each full collection V8
 * lets the old generation grow up to four times what survived before it collects again. While
 * the live heap is small (an ordinary segment: 10–20 MB) that costs little and saves collections;
 * once it is large (thousands of products: an order book, partitions and part files each) the
 * process holds twice its live memory in garbage. So once a full collection leaves more than
 * {@link LARGE_LIVE_HEAP_BYTES} alive in the old space, the heap may grow by only {@link LARGE_HEAP_GROWING_PERCENT} %
 * before the next one (V8 reads the flag at every collection); below it V8 decides again.
 * A 5,000-product segment peaks ~60–100 MB lower; an ordinary segment never reaches the
 * threshold (numbers in the @etl/writer-parquet README, "Memory").
 *
 * A user's own `--heap-growing-percent` wins: then nothing is changed.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Live heap past which growth is held back. */
export const LARGE_LIVE_HEAP_BYTES = 24 * 2 ** 20;
export const LARGE_HEAP_GROWING_PERCENT = 10;

/** The growing percent for a live heap of `liveBytes` (0: V8's own dynamic factor). */
export function growingPercentFor(liveBytes: number): number {
  return liveBytes > LARGE_LIVE_HEAP_BYTES ? LARGE_HEAP_GROWING_PERCENT : 0;
}

/** True when the user set the growing factor on the command line. */
export function userChoseGrowing(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg));
}

function watchLiveHeap(): void {
  let current = 0;
  const observer = new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some(
        (e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (!major) return;
    // Read soon after the collection: the old space then holds (nearly) only what survived it;
    // the young generation fills again at once, so the whole heap's use would overstate it.
    const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    const percent = growingPercentFor(old?.space_used_size ?? 0);
    if (percent === current) return;
    current = percent;
    setFlagsFromString(`--heap-growing-percent=${percent}`);
  });
  observer.observe({ entryTypes: ['gc'] });
}

if (!userChoseGrowing(process.execArgv)) watchLiveHeap();
