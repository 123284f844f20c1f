/** A one-line progress bar on a terminal (stderr): segments, bytes, rows/s and ETA. */
import { formatBytes, formatCount, formatDuration } from './format.js';

export class ProgressBar {
  private totalSegments = 0;
  private totalBytes = 0;
  private doneSegments = 0;
  private doneBytes = 0;
  private rows = 0;
  private current = '';
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  plan(segments: number, bytes: number): void {
    this.totalSegments = segments;
    this.totalBytes = bytes;
    this.timer ??= setInterval(() => this.draw(), 250);
    this.timer.unref();
    this.draw();
  }

  start(segment: string): void {
    this.current = segment;
    this.draw();
  }

  done(bytes: number, rows: number): void {
    this.doneSegments++;
    this.doneBytes += bytes;
    this.rows += rows;
    this.draw();
  }

  /** Removes the bar so a log line can be printed in its place. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private draw(): void {
    const elapsed = (Date.now() - this.started) / 1000;
    const fraction = this.totalBytes > 0 ? this.doneBytes / this.totalBytes : this.totalSegments ? this.doneSegments / this.totalSegments : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const rate = elapsed > 0 ? this.rows / elapsed : 0;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const line = `${bar} ${this.doneSegments}/${this.totalSegments} segments  ${formatBytes(this.doneBytes)}/${formatBytes(this.totalBytes)}  ${formatCount(Math.round(rate))} rows/s  ETA ${formatDuration(eta)}  ${this.current}`;
    const cols = this.stream.columns ?? 100;
    this.stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    this.drawn = true;
  }
}
