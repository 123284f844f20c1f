/**
 * The bounded hand-over between the WebSocket (frames arrive whenever Coinbase sends them) and
 * the sinks (disk, NATS), measured in bytes since one snapshot frame can weigh 5 MB. Above the
 * high-water mark the receiver is asked to pause (the socket stops reading, TCP pushes back on the
 * exchange); below the low-water mark it resumes. Frames that still arrive past the hard limit
 * are shed: counted, and reported to the owner, which records the loss in the capture.
 */
import { type Stats, StatsCollector } from '@etl/core';
import type { FrameHeader } from './frame-header.js';

export interface CapturedFrame {
  /** The frame's bytes as received. */
  readonly data: Buffer;
  readonly captureNs: bigint;
  readonly captureTs: string;
  readonly header: FrameHeader;
  /** Which WebSocket connection delivered it (sequence numbers restart per connection). */
  readonly connectionId: string;
  /** True for the collector's own connection records. */
  readonly marker: boolean;
}

export interface FrameQueueOptions {
  /** Ask the receiver to pause above this many queued bytes (default 32 MiB). */
  readonly highWaterBytes?: number;
  /** Let it resume below this (default 8 MiB). */
  readonly lowWaterBytes?: number;
  /** Shed frames beyond this (default 256 MiB). */
  readonly maxBytes?: number;
  readonly onPause?: () => void;
  readonly onResume?: () => void;
  /** A frame was accepted after `shed` frames had been dropped (called before it is queued). */
  readonly onShedBurstEnd?: (shed: number) => void;
}

export class FrameQueue {
  private readonly items: CapturedFrame[] = [];
  private head = 0;
  private queuedBytes = 0;
  private paused = false;
  private closed = false;
  private shedInBurst = 0;
  private waiter: (() => void) | undefined;
  private readonly high: number;
  private readonly low: number;
  private readonly max: number;
  private readonly counts = new StatsCollector('frame-queue');
  private peakBytes = 0;

  constructor(private readonly options: FrameQueueOptions = {}) {
    this.high = options.highWaterBytes ?? 32 * 1024 * 1024;
    this.low = Math.min(options.lowWaterBytes ?? 8 * 1024 * 1024, this.high);
    this.max = Math.max(options.maxBytes ?? 256 * 1024 * 1024, this.high);
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Queues a received frame; false when it had to be shed (over the hard limit). */
  push(frame: CapturedFrame): boolean {
    if (this.queuedBytes > 0 && this.queuedBytes + frame.data.length > this.max) {
      this.shedInBurst++;
      this.counts.count('frames_shed');
      this.counts.count('bytes_shed', frame.data.length);
      return false;
    }
    if (this.shedInBurst > 0) {
      const shed = this.shedInBurst;
      this.shedInBurst = 0;
      this.options.onShedBurstEnd?.(shed);
    }
    this.enqueue(frame);
    return true;
  }

  /** Queues one of the collector's own records; never shed. */
  pushMarker(frame: CapturedFrame): void {
    this.enqueue(frame);
  }

  /** Up to `max` frames in arrival order; waits for at least one. [] once closed and drained. */
  async take(max: number): Promise<CapturedFrame[]> {
    while (this.length === 0) {
      if (this.closed) return [];
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const end = Math.min(this.items.length, this.head + max);
    const out = this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    for (const f of out) this.queuedBytes -= f.data.length;
    this.counts.recordsOut += out.length;
    if (this.paused && this.queuedBytes <= this.low) {
      this.paused = false;
      this.counts.count('resumes');
      this.options.onResume?.();
    }
    return out;
  }

  /** No more frames will come; `take` drains what is queued, then returns []. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  stats(): Stats {
    const s = this.counts.snapshot();
    return { ...s, counters: { ...s.counters, peak_bytes: this.peakBytes } };
  }

  private enqueue(frame: CapturedFrame): void {
    this.items.push(frame);
    this.queuedBytes += frame.data.length;
    this.counts.recordsIn++;
    this.counts.bytesIn += frame.data.length;
    if (this.queuedBytes > this.peakBytes) this.peakBytes = this.queuedBytes;
    if (!this.paused && this.queuedBytes >= this.high) {
      this.paused = true;
      this.counts.count('pauses');
      this.options.onPause?.();
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
