import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress.js';

/** A terminal as the bar sees it: what was written, and a width. */
class FakeTTY {
  written = '';
  isTTY = true;
  constructor(readonly columns: number) {}
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  /** The line on screen: what follows the last clear-line sequence. */
  get screen(): string {
    const i = this.written.lastIndexOf('\r\x1b[2K');
    return i < 0 ? this.written : this.written.slice(i + 5);
  }
}

function clock(startMs: number) {
  const c = { ms: startMs, now: () => c.ms };
  return c;
}

const MIB = 1024 * 1024;

describe('ProgressBar', () => {
  it('shows segments, bytes, rows/s, ETA and the current segment with its running time', () => {
    const tty = new FakeTTY(120);
    const time = clock(1_000);
    const bar = new ProgressBar(tty, { now: time.now, intervalMs: 60_000 });
    bar.plan(4, 400 * MIB);
    expect(tty.screen).toBe('░░░░░░░░░░░░░░░░░░░░ 0/4 segments  0 B/400.0 MiB  0 rows/s  ETA ?');

    bar.start('segment_20260809T21_00001.ndjson');
    time.ms += 2_500;
    bar.done(100 * MIB, 50_000); // a quarter done after 2.5 s: 7.5 s to go
    bar.start('segment_20260809T21_00002.ndjson.zst');
    time.ms += 1_200;
    bar.stop();
    expect(tty.written).toContain(
      '█████░░░░░░░░░░░░░░░ 1/4 segments  100.0 MiB/400.0 MiB  20,000 rows/s  ETA 7.5s  20260809T21_00002 0.0s',
    );
    expect(bar.render()).toBe(
      '█████░░░░░░░░░░░░░░░ 1/4 segments  100.0 MiB/400.0 MiB  13,514 rows/s  ETA 11s  20260809T21_00002 1.2s',
    );
  });

  it('fits an 80-column terminal and drops the least important parts on narrow ones', () => {
    const time = clock(0);
    const bar = new ProgressBar(new FakeTTY(80), { now: time.now });
    bar.plan(12, 1_200 * MIB);
    time.ms += 10_000;
    bar.done(100 * MIB, 600_000);
    bar.start('segment_20260809T21_00002.ndjson');
    time.ms += 3_000;
    expect(bar.render(100)).toBe(
      '█░░░░░░░░░░░░░░░ 1/12 segments  100.0 MiB/1.2 GiB  46,154 rows/s  ETA 2m23s  20260809T21_00002 3.0s',
    );
    // 80 columns: the segment name goes first, the bar keeps its full width.
    expect(bar.render()).toBe(
      '██░░░░░░░░░░░░░░░░░░ 1/12 segments  100.0 MiB/1.2 GiB  46,154 rows/s  ETA 2m23s',
    );
    expect(bar.render(50)).toBe('█░░░░░░░░░░░░░░░ 1/12 segments  100.0 MiB/1.2 GiB');
    expect(bar.render(20)).toBe('1/12 segments');
    expect(bar.render(0).length).toBeLessThanOrEqual(79); // a pty without a size: 80 columns
  });

  it('counts failed segments and reaches 100 % when every byte is done', () => {
    const time = clock(0);
    const tty = new FakeTTY(120);
    const bar = new ProgressBar(tty, { now: time.now });
    bar.plan(2, 2_048);
    time.ms += 1_000;
    bar.failed(1_024);
    bar.start('b.ndjson');
    time.ms += 1_000;
    bar.done(1_024, 10);
    expect(bar.render()).toBe(
      '████████████████████ 2/2 segments (1 failed)  2.0 KiB/2.0 KiB  5 rows/s  ETA 0.0s',
    );
  });

  it('clears its line for log lines and draws nothing after stop', () => {
    const tty = new FakeTTY(100);
    const bar = new ProgressBar(tty, { now: () => 0 });
    bar.clear();
    expect(tty.written).toBe(''); // nothing drawn yet: nothing to clear
    bar.plan(1, 10);
    bar.clear();
    expect(tty.written.endsWith('\r\x1b[2K')).toBe(true);
    bar.stop();
    const before = tty.written;
    bar.start('x');
    bar.done(10, 1);
    expect(tty.written).toBe(before);
  });
});
