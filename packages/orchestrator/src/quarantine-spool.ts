import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { QuarantineEntry, QuarantineSink } from '@etl/core';
import { temporaryPathFor } from './atomic-file.js';

const RAW_LIMIT = 4096;

/**
 * One segment's quarantined records as NDJSON (`{file, line, reason, raw, stage}` per line),
 * spooled to a hidden temporary file as they come, so a segment of nothing but bad lines does not
 * fill memory. The segment's commit publishes the file (`_quarantine/<segment>.ndjson`) together
 * with the output, or the spool is discarded with everything else.
 */
export class QuarantineSpool implements QuarantineSink {
  private pending: string[] = [];
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
  ) {}

  put(entry: QuarantineEntry): void {
    if (entry.file === this.input) {
      let seen = this.lines.get(entry.file);
      if (!seen) this.lines.set(entry.file, (seen = new Set()));
      if (!seen.has(entry.line)) {
        seen.add(entry.line);
        this.lineTotal++;
      }
    } else this.rowTotal++;
    const raw = entry.raw.length > RAW_LIMIT ? entry.raw.slice(0, RAW_LIMIT) : entry.raw;
    this.pending.push(
      JSON.stringify({ file: entry.file, line: entry.line, reason: entry.reason, raw, stage: entry.stage }),
    );
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
    if (this.pending.length === 0) return;
    if (!this.handle) {
      await mkdir(path.dirname(this.file), { recursive: true });
      this.tempPath = temporaryPathFor(this.file);
      this.handle = await open(this.tempPath, 'wx');
    }
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    await this.handle.write(text);
  }

  /** Flushes, syncs and closes; the temporary path to commit, or undefined when nothing was put. */
  async finish(): Promise<string | undefined> {
    await this.flush();
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

  /** Closes and deletes the temporary file; never throws. */
  async discard(): Promise<void> {
    this.pending = [];
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close().catch(() => {});
    if (this.tempPath) await unlink(this.tempPath).catch(() => {});
  }
}
