/**
 * Remembers the last timestamp string it parsed. Consecutive rows share their time strings (every
 * level of a snapshot, every update of a frame), so comparing with the previous string spares
 * the parse, the bigint arithmetic and the partition-key formatting for most rows.
 */
import { parseTimestampNsOrReason, utcDateKey, utcHourKey } from '@etl/core';

const NS_PER_HOUR = 3_600_000_000_000n;

/** 1971-01-01T00:00:00Z in epoch ns: anything earlier is an epoch placeholder, not a real time. */
export const NS_1971 = 31_536_000_000_000_000n;

export class TimestampCache {
  private text: string | undefined;
  /** Epoch ns of the last string parsed successfully. */
  ns = 0n;
  /** `'YYYY-MM-DD'` of {@link ns}. */
  date = '';
  /** `'0'`–`'23'` (unpadded) of {@link ns}. */
  hour = '';
  /** Why the last call returned false. */
  reason = '';
  /** Hours since the epoch of {@link date}/{@link hour}: consecutive instants mostly share the hour. */
  private hours = Number.NaN;

  /** Parses an RFC 3339 string; false (see {@link reason}) when it is not one. */
  parse(s: string): boolean {
    if (s === this.text) return true;
    const r = parseTimestampNsOrReason(s);
    if (typeof r === 'string') {
      this.reason = r;
      return false;
    }
    this.text = s;
    this.apply(r);
    return true;
  }

  /** Takes over an instant parsed elsewhere, with its partition keys (the text is forgotten). */
  adopt(ns: bigint, date: string, hour: string): void {
    this.text = undefined;
    this.ns = ns;
    this.date = date;
    this.hour = hour;
    this.hours = Number.NaN;
  }

  /** Takes over an already parsed instant (the text is forgotten). */
  setNs(ns: bigint): void {
    this.text = undefined;
    this.apply(ns);
  }

  private apply(ns: bigint): void {
    this.ns = ns;
    // One bigint division instead of the several that date and hour keys take. Division truncates
    // towards zero, so instants before 1970 never share a bucket with the ones after.
    const hours = ns >= 0n ? Number(ns / NS_PER_HOUR) : Number.NaN;
    if (hours === this.hours) return;
    this.hours = hours;
    this.date = utcDateKey(ns);
    this.hour = utcHourKey(ns);
  }
}
