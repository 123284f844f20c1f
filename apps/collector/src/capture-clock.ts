/**
 * Capture times: when the collector received a frame, in epoch nanoseconds and as the seed's
 * `capture_ts` text (UTC, six fractional digits, `+00:00`). `Date.now()` has only milliseconds,
 * so the wall clock is read once and advanced with the monotonic high-resolution clock; it is
 * re-anchored to the wall clock every minute (NTP adjustments) but never goes backwards.
 */
import { formatTimestampNs } from '@etl/core';

const REANCHOR_NS = 60_000_000_000n;
const NS_PER_SECOND = 1_000_000_000n;

export class CaptureClock {
  private wallAnchor = 0n;
  private monoAnchor = 0n;
  private last = 0n;
  private cachedSecond = -1n;
  private cachedPrefix = '';

  constructor(
    private readonly wallNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
    private readonly monoNs: () => bigint = () => process.hrtime.bigint(),
  ) {
    this.anchor();
  }

  /** Now, in epoch nanoseconds (microsecond-accurate relative to the wall clock's anchor). */
  nowNs(): bigint {
    const mono = this.monoNs();
    if (mono - this.monoAnchor >= REANCHOR_NS) this.anchor();
    let ns = this.wallAnchor + (mono - this.monoAnchor);
    if (ns < this.last) ns = this.last;
    this.last = ns;
    return ns;
  }

  /** `2026-08-09T21:05:48.629008+00:00`: truncated to microseconds, like the seed's collector. */
  format(ns: bigint): string {
    const second = ns / NS_PER_SECOND;
    if (second !== this.cachedSecond) {
      this.cachedSecond = second;
      // 'YYYY-MM-DDTHH:MM:SS' of this second, reused for every frame within it.
      this.cachedPrefix = formatTimestampNs(second * NS_PER_SECOND, 0).slice(0, 19);
    }
    const micros = Number((ns % NS_PER_SECOND) / 1000n);
    return `${this.cachedPrefix}.${String(micros).padStart(6, '0')}+00:00`;
  }

  private anchor(): void {
    this.wallAnchor = this.wallNs();
    this.monoAnchor = this.monoNs();
  }
}
