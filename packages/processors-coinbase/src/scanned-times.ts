/**
 * Timestamps read from line bytes by the scanner. The bytes are compared with the previous
 * timestamp of the same field first: every update of a frame, and often consecutive frames,
 * repeat it, and then neither a string nor a parse is needed. New ones go through the core parser
 * (the same function as the JSON path), so both paths agree on every value and every refusal.
 */
import type { ScannedTime } from './scanned-frames.js';
import { TimestampCache } from './timestamp-cache.js';

/** Longest timestamp remembered by its bytes (RFC 3339 with nine digits and an offset is 35). */
const MAX_TIMESTAMP_BYTES = 64;

/** Text of ASCII bytes (the scanner has checked every byte is below 0x80). */
export function asciiText(bytes: Uint8Array, from: number, to: number): string {
  const view = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.toString('latin1', from, to);
}

export class ScannedTimes {
  private readonly last = new Uint8Array(MAX_TIMESTAMP_BYTES);
  private lastLength = -1;
  private lastTime: ScannedTime | undefined;
  private readonly parser = new TimestampCache();

  /** The time of the ASCII bytes `[from, to)`, or undefined when they are not an RFC 3339 timestamp. */
  at(bytes: Uint8Array, from: number, to: number): ScannedTime | undefined {
    const n = to - from;
    const last = this.last;
    if (n === this.lastLength) {
      let k = 0;
      while (k < n && bytes[from + k] === last[k]) k++;
      if (k === n) return this.lastTime;
    }
    const parser = this.parser;
    if (!parser.parse(asciiText(bytes, from, to))) return undefined;
    const time: ScannedTime = { ns: parser.ns, date: parser.date, hour: parser.hour };
    if (n <= MAX_TIMESTAMP_BYTES) {
      last.set(bytes.subarray(from, to));
      this.lastLength = n;
      this.lastTime = time;
    }
    return time;
  }
}
