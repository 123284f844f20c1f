/** Byte-level checks and text of one line, outside the hot path's JSON.parse. */

/** How much of a bad line the quarantine keeps. */
export const RAW_LIMIT_BYTES = 4096;

// Lenient on purpose: quarantine text must show what was there, replacing what cannot be shown.
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** True when `buf[start, end)` holds only JSON whitespace (space, tab, CR). */
export function isBlankLine(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

/**
 * Text of `buf[start, end)` for a quarantine entry: at most {@link RAW_LIMIT_BYTES} bytes, cut
 * before a character that would be split, with invalid UTF-8 shown as U+FFFD.
 */
export function rawText(buf: Buffer, start: number, end: number): string {
  let cut = end;
  if (end - start > RAW_LIMIT_BYTES) {
    cut = start + RAW_LIMIT_BYTES;
    // Back off over continuation bytes (10xxxxxx), at most three, to a character boundary.
    let back = 0;
    while (back < 3 && cut > start && ((buf[cut] ?? 0) & 0xc0) === 0x80) {
      cut--;
      back++;
    }
  }
  return lenientDecoder.decode(buf.subarray(start, cut));
}
