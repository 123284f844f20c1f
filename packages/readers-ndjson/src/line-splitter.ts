/**
 * Cuts a byte stream into lines on LF, without decoding anything. A line that spans chunks is
 * carried as a list of copied pieces and joined once when its end arrives, so a 5 MB line read in
 * 64 KiB chunks costs two copies, not a quadratic number. A line longer than the limit is not buffered:
 * only its first {@link LINE_HEAD_BYTES} are kept (for the quarantine) and the rest is counted
 * and skipped up to the next LF.
 *
 * Pull interface instead of callbacks, so the caller's hot loop has no per-line closure:
 * `push(chunk)`, then `while (next()) { use buf/start/end/... }`, and `finish()` at end of input.
 */

/** How much of an over-long line is kept for the quarantine entry. */
export const LINE_HEAD_BYTES = 4096;

const LF = 10;
const CR = 13;
const BOM = [0xef, 0xbb, 0xbf] as const;
const EMPTY = Buffer.alloc(0);

export class LineSplitter {
  /** Bytes of the current line: `buf[start, end)`, without CR/LF (for a too-long line: its head). */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** Length of the whole current line in bytes, without its terminator. */
  bytes = 0;
  /** 1-based physical line number of the current line (0 before the first). */
  line = 0;
  /** The line is longer than `maxLineBytes`; `buf[start, end)` holds only its head. */
  tooLong = false;
  /** False for a last line that ended without LF. */
  terminated = true;

  private chunk: Buffer = EMPTY;
  private pos = 0;
  /** Bytes handed to `push` so far, BOM included. */
  private pushed = 0;
  /** Slices of a line that began in an earlier chunk. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Over-long line in progress: its head, the bytes seen so far and the last byte seen. */
  private skipping = false;
  private skippedBytes = 0;
  private skippedLastByte = 0;
  private head: Buffer = EMPTY;
  private headLength = 0;
  /** Until three bytes have arrived, a UTF-8 BOM may still be forming at the start of input. */
  private atInputStart = true;
  private bomCandidate: Buffer = EMPTY;

  /**
   * `stripBom: false` for input that starts inside a file (a byte range after the first line):
   * a BOM there is content, as it is for the whole-file reader.
   */
  constructor(
    readonly maxLineBytes: number,
    stripBom = true,
  ) {
    if (!stripBom) this.atInputStart = false;
  }

  /**
   * Hands over the next chunk. Whatever the splitter keeps past it (the start of an unfinished
   * line) is copied, so the caller may reuse the chunk's memory once `next()` returned false.
   */
  push(chunk: Buffer): void {
    this.pushed += chunk.length;
    this.chunk = this.atInputStart ? this.dropBom(chunk) : chunk;
    this.pos = 0;
  }

  /**
   * Input bytes up to and including the current line's terminator (CR LF, LF, none for a last
   * line without one; a BOM at the start counts too): what a file's lines add up to, its size.
   */
  get offset(): number {
    return this.pushed - (this.chunk.length - this.pos);
  }

  /** Moves to the next complete line of the pushed chunks; false when more input is needed. */
  next(): boolean {
    const chunk = this.chunk;
    const from = this.pos;
    if (from >= chunk.length) return false;
    const lf = chunk.indexOf(LF, from);
    if (lf === -1) {
      this.carry(chunk, from, chunk.length);
      this.pos = chunk.length;
      return false;
    }
    this.pos = lf + 1;
    this.line++;
    this.terminated = true;
    this.complete(chunk, from, lf);
    return true;
  }

  /** At end of input: moves to the last line if it had no LF; false when there is none. */
  finish(): boolean {
    if (this.atInputStart) {
      // Input shorter than a BOM: what was held back is content after all.
      const held = this.bomCandidate;
      this.atInputStart = false;
      this.bomCandidate = EMPTY;
      if (held.length > 0) this.carry(held, 0, held.length);
    }
    this.chunk = EMPTY;
    this.pos = 0;
    if (!this.skipping && this.partsBytes === 0) return false;
    this.line++;
    this.terminated = false;
    this.complete(EMPTY, 0, 0);
    return true;
  }

  /** Ends the current line, whose last piece is `chunk[from, to)`. */
  private complete(chunk: Buffer, from: number, to: number): void {
    if (this.skipping) {
      this.fillHead(chunk, from, to);
      const last = to > from ? chunk[to - 1]! : this.skippedLastByte;
      const total = this.skippedBytes + (to - from);
      this.setTooLong(this.head.subarray(0, this.headLength), last === CR ? total - 1 : total);
      this.skipping = false;
      this.skippedBytes = 0;
      this.head = EMPTY;
      this.headLength = 0;
      return;
    }
    if (this.partsBytes === 0) {
      // The common case: the whole line is inside this chunk and is used in place.
      const end = to > from && chunk[to - 1] === CR ? to - 1 : to;
      const bytes = end - from;
      if (bytes > this.maxLineBytes) {
        this.setTooLong(chunk.subarray(from, from + Math.min(bytes, LINE_HEAD_BYTES)), bytes);
        return;
      }
      this.buf = chunk;
      this.start = from;
      this.end = end;
      this.bytes = bytes;
      this.tooLong = false;
      return;
    }
    // CR is not counted in the limit, so a line may be carried with one byte to spare.
    const total = this.partsBytes + (to - from);
    if (total > this.maxLineBytes + 1) {
      const last = to > from ? chunk[to - 1]! : this.lastCarriedByte();
      this.setTooLong(this.headOf(chunk, from, to), last === CR ? total - 1 : total);
      this.dropParts();
      return;
    }
    if (to > from) this.parts.push(chunk.subarray(from, to));
    const joined = Buffer.concat(this.parts, total);
    this.dropParts();
    const end = total > 0 && joined[total - 1] === CR ? total - 1 : total;
    if (end > this.maxLineBytes) {
      this.setTooLong(joined.subarray(0, Math.min(end, LINE_HEAD_BYTES)), end);
      return;
    }
    this.buf = joined;
    this.start = 0;
    this.end = end;
    this.bytes = end;
    this.tooLong = false;
  }

  /** Keeps `chunk[from, to)` (non-empty) as the beginning of a line whose end has not arrived. */
  private carry(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.skipping) {
      this.fillHead(chunk, from, to);
      this.skippedBytes += n;
      this.skippedLastByte = chunk[to - 1]!;
      return;
    }
    if (this.partsBytes + n > this.maxLineBytes + 1) {
      this.head = Buffer.allocUnsafe(LINE_HEAD_BYTES);
      this.headLength = this.copyHead(this.head, chunk, from, to);
      this.skipping = true;
      this.skippedBytes = this.partsBytes + n;
      this.skippedLastByte = chunk[to - 1]!;
      this.dropParts();
      return;
    }
    // A copy: the caller may reuse the chunk's memory for the next read.
    this.parts.push(Buffer.from(chunk.subarray(from, to)));
    this.partsBytes += n;
  }

  /** Copy of the first {@link LINE_HEAD_BYTES} of the carried parts followed by `chunk[from, to)`. */
  private headOf(chunk: Buffer, from: number, to: number): Buffer {
    const head = Buffer.allocUnsafe(Math.min(LINE_HEAD_BYTES, this.partsBytes + (to - from)));
    this.copyHead(head, chunk, from, to);
    return head;
  }

  /** Fills `head` from the carried parts, then from `chunk[from, to)`; returns the bytes copied. */
  private copyHead(head: Buffer, chunk: Buffer, from: number, to: number): number {
    const size = head.length;
    let at = 0;
    for (let i = 0; i < this.parts.length && at < size; i++) {
      const part = this.parts[i]!;
      at += part.copy(head, at, 0, Math.min(part.length, size - at));
    }
    if (at < size) at += chunk.copy(head, at, from, Math.min(to, from + (size - at)));
    return at;
  }

  /** While skipping an over-long line, tops up its head from `chunk[from, to)`. */
  private fillHead(chunk: Buffer, from: number, to: number): void {
    if (this.headLength < LINE_HEAD_BYTES && to > from) {
      this.headLength += chunk.copy(
        this.head,
        this.headLength,
        from,
        Math.min(to, from + LINE_HEAD_BYTES - this.headLength),
      );
    }
  }

  private lastCarriedByte(): number {
    const last = this.parts[this.parts.length - 1];
    return last === undefined || last.length === 0 ? -1 : last[last.length - 1]!;
  }

  private dropParts(): void {
    this.parts = [];
    this.partsBytes = 0;
  }

  private setTooLong(head: Buffer, bytes: number): void {
    this.buf = head;
    this.start = 0;
    this.end = head.length;
    this.bytes = bytes;
    this.tooLong = true;
  }

  /** Strips a UTF-8 BOM at the very start of input, even when it arrives split across chunks. */
  private dropBom(chunk: Buffer): Buffer {
    const seen = this.bomCandidate.length > 0 ? Buffer.concat([this.bomCandidate, chunk]) : chunk;
    const n = Math.min(seen.length, BOM.length);
    for (let i = 0; i < n; i++) {
      if (seen[i] !== BOM[i]) {
        this.atInputStart = false;
        this.bomCandidate = EMPTY;
        return seen;
      }
    }
    if (seen.length < BOM.length) {
      this.bomCandidate = Buffer.from(seen);
      return EMPTY;
    }
    this.atInputStart = false;
    this.bomCandidate = EMPTY;
    return seen.subarray(BOM.length);
  }
}
