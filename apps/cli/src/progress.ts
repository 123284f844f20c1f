/**
 * A one-line progress bar on a terminal (stderr): segments, bytes, rows/s, ETA and the segment
 * being converted. Progress is counted in whole segments (the job reports segment by segment), so
 * the line also shows how long the current segment has been running: it never looks stuck.
 */
import { formatBytes, formatCount, formatDuration } from './format.js';

/** What the bar needs of a stream: a TTY's `columns` decides how much fits on the line. */
export interface ProgressStream {
  write(chunk: string): boolean;
  readonly columns?: number;
}

export interface ProgressBarOptions {
  /** Redraw period in ms (default 250). */
  readonly intervalMs?: number;
  /** Clock in ms; tests pass their own. */
  readonly now?: () => number;
}

const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 20;
const MIN_BAR_WIDTH = 8;

export class ProgressBar {
  private totalSegments = 0;
  private totalBytes = 0;
  private doneSegments = 0;
  private failedSegments = 0;
  private doneBytes = 0;
  private rows = 0;
  private current = '';
  private currentSince = 0;
  private planned = false;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly started: number;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    private readonly options: ProgressBarOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** The work ahead: segment count and their total size. */
  plan(segments: number, bytes: number): void {
    this.totalSegments = segments;
    this.totalBytes = bytes;
    this.planned = true;
    if (!this.timer && !this.stopped) {
      this.timer = setInterval(() => this.draw(), this.options.intervalMs ?? 250);
      this.timer.unref();
    }
    this.draw();
  }

  start(segment: string): void {
    // `segment_20260809T21_00042.ndjson.zst` → `20260809T21_00042`: room for it on an 80-column line.
    this.current = segment.replace(/\.(ndjson|jsonl|json)(\.gz|\.zst)?$/, '').replace(/^segment_/, '');
    this.currentSince = this.now();
    this.draw();
  }

  /** A segment finished: `bytes` of input, `rows` written. */
  done(bytes: number, rows: number): void {
    this.doneSegments++;
    this.doneBytes += bytes;
    this.rows += rows;
    this.current = '';
    this.draw();
  }

  /** A segment failed; its bytes count as done, so the ETA stays right. */
  failed(bytes: number): void {
    this.failedSegments++;
    this.done(bytes, 0);
  }

  /** Removes the bar so a log line can be printed in its place. */
  clear(): void {
    if (this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    this.clear();
  }

  /** The line as it would be drawn now, fitted to `columns` (default: the stream's, else 80). */
  render(columns = this.stream.columns): string {
    // A pseudo-terminal without a size reports 0 columns.
    const cols = columns !== undefined && columns > 0 ? columns : 80;
    const now = this.now();
    const elapsed = (now - this.started) / 1000;
    const fraction =
      this.totalBytes > 0
        ? Math.min(1, this.doneBytes / this.totalBytes)
        : this.totalSegments > 0
          ? this.doneSegments / this.totalSegments
          : 0;
    const rate = elapsed > 0 ? this.rows / elapsed : 0;
    const eta = fraction >= 1 ? 0 : fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const segments = `${this.doneSegments}/${this.planned ? this.totalSegments : '?'} segments${this.failedSegments ? ` (${this.failedSegments} failed)` : ''}`;
    // Most important first: what does not fit is dropped from the end.
    const parts = [
      segments,
      this.totalBytes > 0 ? `${formatBytes(this.doneBytes)}/${formatBytes(this.totalBytes)}` : '',
      `${formatCount(Math.round(rate))} rows/s`,
      `ETA ${formatDuration(eta)}`,
      this.current ? `${this.current} ${formatDuration((now - this.currentSince) / 1000)}` : '',
    ].filter(Boolean);
    const room = cols - 1; // writing the last column makes some terminals wrap
    let text = parts.join('  ');
    while (parts.length > 1 && text.length + 1 + MIN_BAR_WIDTH > room) {
      parts.pop();
      text = parts.join('  ');
    }
    const width = Math.max(0, Math.min(BAR_WIDTH, room - text.length - 1));
    if (width < MIN_BAR_WIDTH) return text.slice(0, room);
    const filled = Math.round(fraction * width);
    return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${text}`;
  }

  private draw(): void {
    if (this.stopped) return;
    this.stream.write(`${CLEAR_LINE}${this.render()}`);
    this.drawn = true;
  }
}
