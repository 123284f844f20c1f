/**
 * Timestamps read from line bytes by the scanner, cheaply:
 * - the same bytes as the previous timestamp of the field (every update of a frame repeats its
 *   event time) give the previous result;
 * - the same minute and zone as the previous one (`YYYY-MM-DDTHH:MM:` and the `Z`/offset bytes
 *   equal: consecutive messages) need only the seconds and fraction read, added to that minute;
 * - anything else goes through the core parser, the very function the JSON path uses.
 * The middle case only takes what the core parser accepts in the same way (seconds 00–59, one to
 * nine fraction digits); anything unusual takes the core parser, so both paths agree on every
 * value and every refusal (the differential tests check it on fuzzed timestamps).
 */
import { viewOf } from './byte-view.js';
import type { ScannedTime } from './scanned-frames.js';
import { TimestampCache } from './timestamp-cache.js';

/** Longest timestamp remembered by its bytes (RFC 3339 with nine digits and an offset is 35). */
const MAX_TIMESTAMP_BYTES = 64;
/** `YYYY-MM-DDTHH:MM:` */
const MINUTE_PREFIX = 17;
const FRACTION_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1];
const DOT = 46;
const QUOTE = 34;
const BACKSLASH = 92;

/** Text of ASCII bytes (the scanner has checked every byte is below 0x80). */
export function asciiText(bytes: Uint8Array, from: number, to: number): string {
  const view =
    bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.toString('latin1', from, to);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class ScannedTimes {
  private readonly last = new Uint8Array(MAX_TIMESTAMP_BYTES);
  private readonly lastView = new DataView(this.last.buffer);
  private lastLength = -1;
  private lastTime: ScannedTime | undefined;
  /** Epoch ns of second 0 of the last timestamp's minute, in its zone; undefined when unusable. */
  private minuteNs: bigint | undefined;
  /** Where the zone (`Z` or offset) of the last timestamp starts. */
  private zoneAt = 0;
  private readonly parser = new TimestampCache();

  /** Position of the closing quote found by the last {@link stringAt} (-1 when there was none). */
  stringEnd = -1;

  /**
   * The time of a JSON string body starting at `from` (scanned up to `end` for its closing quote;
   * printable ASCII without escapes only), or undefined when it is not a plain string or not an
   * RFC 3339 timestamp. One pass finds the quote and compares with the previous timestamp.
   */
  stringAt(bytes: Uint8Array, from: number, end: number): ScannedTime | undefined {
    const last = this.last;
    const lastLength = this.lastLength;
    // Most often the very bytes of the last timestamp and its closing quote: compared four at a
    // time (the last one had no quote, escape or non-printable byte, so neither have these).
    if (lastLength >= 0 && from + lastLength < end && bytes[from + lastLength] === QUOTE) {
      const view = viewOf(bytes);
      const lastView = this.lastView;
      let k = 0;
      while (k + 4 <= lastLength && view.getUint32(from + k, true) === lastView.getUint32(k, true)) k += 4;
      if (k + 4 > lastLength) {
        while (k < lastLength && bytes[from + k] === last[k]) k++;
        if (k === lastLength) {
          this.stringEnd = from + lastLength;
          return this.lastTime;
        }
      }
    }
    let same = lastLength >= 0;
    let i = from;
    for (; i < end; i++) {
      const c = bytes[i]!;
      if (c === QUOTE) break;
      if (c < 0x20 || c === BACKSLASH || c > 0x7e) {
        this.stringEnd = -1;
        return undefined;
      }
      if (same && c !== last[i - from]) same = false;
    }
    if (i >= end) {
      this.stringEnd = -1;
      return undefined;
    }
    this.stringEnd = i;
    if (same && i - from === lastLength) return this.lastTime;
    return this.at(bytes, from, i);
  }

  /** The time of the ASCII bytes `[from, to)`, or undefined when they are not an RFC 3339 timestamp. */
  at(bytes: Uint8Array, from: number, to: number): ScannedTime | undefined {
    const n = to - from;
    const last = this.last;
    const lastLength = this.lastLength;
    if (n === lastLength) {
      // Timestamps that differ mostly differ in their last digits: compare from the end.
      let k = n - 1;
      while (k >= 0 && bytes[from + k] === last[k]) k--;
      if (k < 0) return this.lastTime;
    }
    const sameMinute = this.minuteNs !== undefined ? this.sameMinute(bytes, from, to) : undefined;
    if (sameMinute !== undefined) return sameMinute;
    const parser = this.parser;
    if (!parser.parse(asciiText(bytes, from, to))) return undefined;
    const time: ScannedTime = { ns: parser.ns, date: parser.date, hour: parser.hour };
    this.remember(bytes, from, to, time);
    return time;
  }

  /**
   * The time of `[from, to)` when it has the last timestamp's minute prefix and zone, seconds
   * 00–59 and 1–9 fraction digits (or none); undefined to leave it to the core parser.
   */
  private sameMinute(bytes: Uint8Array, from: number, to: number): ScannedTime | undefined {
    const last = this.last;
    if (to - from < MINUTE_PREFIX + 2) return undefined;
    for (let k = 0; k < MINUTE_PREFIX; k++) if (bytes[from + k] !== last[k]) return undefined;
    const s1 = bytes[from + MINUTE_PREFIX]!;
    const s2 = bytes[from + MINUTE_PREFIX + 1]!;
    if (!isDigit(s1) || !isDigit(s2) || s1 > 53) return undefined;
    let i = from + MINUTE_PREFIX + 2;
    let fraction = 0;
    if (bytes[i] === DOT) {
      const start = ++i;
      while (i < to && isDigit(bytes[i]!)) fraction = fraction * 10 + (bytes[i++]! - 48);
      const digits = i - start;
      if (digits === 0 || digits > 9) return undefined;
      fraction *= FRACTION_SCALE[digits]!;
    }
    const zoneLength = this.lastLength - this.zoneAt;
    if (to - i !== zoneLength) return undefined;
    for (let k = 0; k < zoneLength; k++) if (bytes[i + k] !== last[this.zoneAt + k]) return undefined;
    const seconds = (s1 - 48) * 10 + (s2 - 48);
    const previous = this.lastTime!;
    const time: ScannedTime = {
      ns: this.minuteNs! + BigInt(seconds * 1e9 + fraction),
      date: previous.date,
      hour: previous.hour,
    };
    // Same minute and zone: the minute base stays; only the bytes and the zone's place change.
    this.keepBytes(bytes, from, to);
    this.lastTime = time;
    this.zoneAt = i - from;
    return time;
  }

  /** Copies `[from, to)` (at most {@link MAX_TIMESTAMP_BYTES}) as the last timestamp's bytes. */
  private keepBytes(bytes: Uint8Array, from: number, to: number): void {
    const last = this.last;
    for (let k = 0; k < to - from; k++) last[k] = bytes[from + k]!;
    this.lastLength = to - from;
  }

  /** Keeps `[from, to)` and its time for the next lookups, with its minute when it has one. */
  private remember(bytes: Uint8Array, from: number, to: number, time: ScannedTime): void {
    const n = to - from;
    this.minuteNs = undefined;
    if (n > MAX_TIMESTAMP_BYTES) {
      this.lastLength = -1;
      return;
    }
    this.keepBytes(bytes, from, to);
    this.lastTime = time;
    // The minute base needs plain seconds (not the leap second 60) and a well-formed fraction.
    const s1 = bytes[from + MINUTE_PREFIX];
    const s2 = bytes[from + MINUTE_PREFIX + 1];
    if (s1 === undefined || s2 === undefined || !isDigit(s1) || !isDigit(s2) || s1 > 53) return;
    let i = from + MINUTE_PREFIX + 2;
    let fraction = 0;
    if (bytes[i] === DOT) {
      const start = ++i;
      while (i < to && isDigit(bytes[i]!)) fraction = fraction * 10 + (bytes[i++]! - 48);
      const digits = i - start;
      if (digits === 0 || digits > 9) return;
      fraction *= FRACTION_SCALE[digits]!;
    }
    const seconds = (s1 - 48) * 10 + (s2 - 48);
    this.minuteNs = time.ns - BigInt(seconds * 1e9 + fraction);
    this.zoneAt = i - from;
  }
}
