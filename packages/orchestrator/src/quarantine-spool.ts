import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EtlError, type QuarantineEntry, type QuarantineSink } from '@etl/core';
import { temporaryPathFor } from '@etl/core/internal';

/** Default cap on one segment's quarantine file: past it the segment fails instead. */
const DEFAULT_QUARANTINE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The reader's reason for a line over its length bound: only the line's head reached the spool. */
const LINE_TOO_LONG = 'line too long';

/** The input's exact text of some of its lines, in any order (see {@link QuarantineSpool.finish}). */
export type ExactLines = (lines: ReadonlySet<number>) => AsyncIterable<{ line: number; text: string }>;

/** A parser-stage entry waiting for its line's exact text. */
interface DeferredEntry {
  readonly reason: string;
  readonly stage: string;
}

export interface QuarantineSpoolOptions {
  /** The input's name in the entries (the path the user gave, e.g. its ready/ path); default `input`. */
  readonly inputName?: string;
  /** Largest quarantine file of one segment, in bytes (default 64 MiB); more fails the segment. */
  readonly limitBytes?: number;
}

/**
 * One segment's quarantined records as NDJSON (`{file, line, reason, raw, stage}` per line),
 * spooled to a hidden temporary file as they come, so a segment of nothing but bad lines does not
 * fill memory. Every record is kept whole: `raw` is never cut. When the file would grow past the
 * cap, {@link flush} throws instead of cutting anything, and the segment fails (its input kept).
 * The segment's commit publishes the file (`_quarantine/<segment>.ndjson`) together with the
 * output, or the spool is discarded with everything else.
 */
export class QuarantineSpool implements QuarantineSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private writtenBytes = 0;
  private overLimit = false;
  /** First input line the reader could only quarantine in part (longer than its bound). */
  private firstCutLine: number | undefined;
  private cutLines = 0;
  private readonly inputName: string;
  readonly limitBytes: number;
  /**
   * Parser-stage entries of input lines, by line: the parser only has the parsed value, so the
   * exact text is read back from the input at {@link finish} (a value re-serialized can differ:
   * whitespace, number digits beyond double precision).
   */
  private readonly deferred = new Map<number, DeferredEntry[]>();
  private deferredBytes = 0;
  private handle: FileHandle | undefined;
  private tempPath: string | undefined;
  /** Distinct input lines set aside, per input file (a line rejected by two stages counts once). */
  private readonly lines = new Map<string, Set<number>>();
  private lineTotal = 0;
  private rowTotal = 0;

  /**
   * @param file final path of the quarantine file
   * @param input the segment being read: entries about its lines count as lines, others (rows a
   *   writer rejected, which name the dataset instead) as rows
   */
  constructor(
    readonly file: string,
    private readonly input: string,
    options: QuarantineSpoolOptions = {},
  ) {
    this.inputName = options.inputName ?? input;
    this.limitBytes = options.limitBytes ?? DEFAULT_QUARANTINE_LIMIT_BYTES;
  }

  put(entry: QuarantineEntry): void {
    const fromInput = entry.file === this.input;
    if (fromInput) {
      if (entry.reason.startsWith(LINE_TOO_LONG)) {
        this.cutLines++;
        this.firstCutLine ??= entry.line;
      }
      let seen = this.lines.get(entry.file);
      if (!seen) this.lines.set(entry.file, (seen = new Set()));
      if (!seen.has(entry.line)) {
        seen.add(entry.line);
        this.lineTotal++;
      }
    } else this.rowTotal++;
    // Past the cap nothing more is held: flush() fails the segment.
    if (this.overLimit) return;
    if (fromInput && entry.stage === 'parser') {
      let list = this.deferred.get(entry.line);
      if (!list) this.deferred.set(entry.line, (list = []));
      list.push({ reason: entry.reason, stage: entry.stage });
      // What its entry will take: about the raw value, its reason and the entry's keys.
      this.deferredBytes += Buffer.byteLength(entry.raw) + entry.reason.length + this.inputName.length + 64;
      if (this.writtenBytes + this.pendingBytes + this.deferredBytes > this.limitBytes) this.overLimit = true;
      return;
    }
    const text = JSON.stringify({
      file: fromInput ? this.inputName : entry.file,
      line: entry.line,
      reason: entry.reason,
      raw: entry.raw,
      stage: entry.stage,
    });
    this.pendingBytes += Buffer.byteLength(text) + 1;
    if (this.writtenBytes + this.pendingBytes + this.deferredBytes > this.limitBytes) {
      this.overLimit = true;
      this.pending = [];
      return;
    }
    this.pending.push(text);
  }

  /** Input lines longer than the reader's bound: the quarantine holds only their head. */
  get cutLineCount(): number {
    return this.cutLines;
  }

  /** The first of those lines, if any. */
  get firstCutLineNumber(): number | undefined {
    return this.firstCutLine;
  }

  /** Distinct bad input lines. */
  get lineCount(): number {
    return this.lineTotal;
  }

  /** Rows rejected after parsing (by the writer or the partition check). */
  get rowCount(): number {
    return this.rowTotal;
  }

  /** Appends what was put since the last flush to the temporary file. */
  async flush(): Promise<void> {
    if (this.overLimit) {
      throw new EtlError(
        `${this.inputName}: the quarantine of this segment would exceed ${this.limitBytes} bytes (${this.lineTotal} bad lines so far); the segment fails rather than cut quarantined lines, and its input is kept`,
        'E_QUARANTINE_FULL',
      );
    }
    if (this.pending.length === 0) return;
    if (!this.handle) {
      await mkdir(path.dirname(this.file), { recursive: true });
      this.tempPath = temporaryPathFor(this.file);
      this.handle = await open(this.tempPath, 'wx');
    }
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.pendingBytes = 0;
    const bytes = Buffer.from(text, 'utf8');
    this.writtenBytes += bytes.length;
    await this.handle.write(bytes);
  }

  /**
   * Writes the parser-stage entries with their lines' exact text (read by `exactLines`), flushes,
   * syncs and closes; the temporary path to commit, or undefined when nothing was put.
   */
  async finish(exactLines?: ExactLines): Promise<string | undefined> {
    await this.flush();
    if (this.deferred.size > 0) await this.writeDeferred(exactLines);
    const handle = this.handle;
    if (!handle) return undefined;
    this.handle = undefined;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return this.tempPath;
  }

  private async writeDeferred(exactLines: ExactLines | undefined): Promise<void> {
    const entry = (line: number, e: DeferredEntry, raw: string) =>
      JSON.stringify({ file: this.inputName, line, reason: e.reason, raw, stage: e.stage });
    if (exactLines) {
      for await (const { line, text } of exactLines(new Set(this.deferred.keys()))) {
        const list = this.deferred.get(line);
        if (!list) continue;
        this.deferred.delete(line);
        for (const e of list) this.pending.push(entry(line, e, text));
        this.pendingBytes += text.length;
        if (this.pendingBytes > 1 << 20) await this.flush();
      }
    }
    // Not found again (the input changed under us): say so rather than invent a text.
    for (const [line, list] of this.deferred)
      for (const e of list)
        this.pending.push(entry(line, e, '(the line could not be read back from the input)'));
    this.deferred.clear();
    this.deferredBytes = 0;
    await this.flush();
  }

  /** Closes and deletes the temporary file; never throws. */
  async discard(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    this.deferred.clear();
    this.deferredBytes = 0;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close().catch(() => {});
    if (this.tempPath) await unlink(this.tempPath).catch(() => {});
  }
}
