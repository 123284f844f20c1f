/** Byte-level checks and text of one line, outside the hot path's JSON.parse. */

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
 * Text of `buf[start, end)` for a quarantine entry: the whole line, with invalid UTF-8 shown as
 * U+FFFD. `head` says the range is only the head of a line longer than the reader's bound: it is
 * then cut before a character that would be split.
 */
export function rawText(buf: Buffer, start: number, end: number, head = false): string {
  let cut = end;
  if (head) {
    // Back off over continuation bytes (10xxxxxx), at most three, to a character boundary.
    let back = 0;
    while (back < 3 && cut > start && ((buf[cut] ?? 0) & 0xc0) === 0x80) {
      cut--;
      back++;
    }
  }
  return lenientDecoder.decode(buf.subarray(start, cut));
}
