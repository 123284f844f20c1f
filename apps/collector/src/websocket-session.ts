/**
 * One WebSocket connection to the exchange: connect, send the subscribe messages a little apart,
 * hand every frame on as it arrives, and end (with the reason) when the connection closes, fails
 * or goes silent for longer than `idleTimeoutMs` (heartbeats arrive every second, so silence
 * means a dead connection that TCP has not noticed yet).
 */
import { sleep } from '@etl/core/internal';
import WebSocket from 'ws';
import type { SubscribeMessage } from './subscription-plan.js';

export interface WebSocketSessionOptions {
  readonly url: string;
  readonly subscribe: readonly SubscribeMessage[];
  /** Ms between subscribe messages (default 125: 8 per second). */
  readonly subscribeIntervalMs?: number;
  /** End the session after this long without a frame (default 15 000 ms; paused time excluded). */
  readonly idleTimeoutMs?: number;
  /** Give up connecting after this long (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Called once the connection is open, before any frame of it. */
  readonly onOpen?: () => void;
  /** Every text or binary frame, as received. */
  readonly onFrame: (data: Buffer) => void;
}

export interface SessionEnd {
  /** False when the connection never opened. */
  readonly connected: boolean;
  readonly frames: number;
  /** Ms from open to close (0 when it never opened). */
  readonly durationMs: number;
  readonly code: number | null;
  readonly reason: string;
}

export class WebSocketSession {
  private ws: WebSocket | undefined;
  private paused = false;
  private closing = false;
  private lastFrameAt = 0;
  private frames = 0;

  constructor(private readonly options: WebSocketSessionOptions) {}

  /** Stops reading from the socket (backpressure); frames already read may still arrive. */
  pause(): void {
    this.paused = true;
    this.ws?.pause();
  }

  resume(): void {
    this.paused = false;
    this.lastFrameAt = performance.now();
    this.ws?.resume();
  }

  /** Closes the connection cleanly (code 1000); `run` then resolves. */
  close(): void {
    this.closing = true;
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'collector stopping');
    else ws.terminate();
  }

  run(): Promise<SessionEnd> {
    const o = this.options;
    return new Promise<SessionEnd>((resolve) => {
      let openedAt = 0;
      let endReason = '';
      let watchdog: NodeJS.Timeout | undefined;
      const ws = new WebSocket(o.url, {
        handshakeTimeout: o.connectTimeoutMs ?? 10_000,
        perMessageDeflate: false,
      });
      this.ws = ws;
      if (this.paused) ws.pause();
      ws.on('open', () => {
        openedAt = performance.now();
        this.lastFrameAt = openedAt;
        o.onOpen?.();
        void this.sendSubscriptions(ws);
        const idle = o.idleTimeoutMs ?? 15_000;
        watchdog = setInterval(
          () => {
            if (!this.paused && performance.now() - this.lastFrameAt > idle) {
              endReason = `no frame for ${idle} ms`;
              ws.terminate();
            }
          },
          Math.min(1000, Math.max(10, idle / 4)),
        );
      });
      ws.on('message', (data: WebSocket.RawData) => {
        this.lastFrameAt = performance.now();
        this.frames++;
        o.onFrame(
          Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data),
        );
      });
      ws.on('error', (error: Error) => {
        if (!endReason) endReason = error.message;
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (watchdog) clearInterval(watchdog);
        this.ws = undefined;
        const text = reason.length ? reason.toString('utf8') : '';
        resolve({
          connected: openedAt > 0,
          frames: this.frames,
          durationMs: openedAt > 0 ? performance.now() - openedAt : 0,
          code: openedAt > 0 ? code : null,
          reason: this.closing ? 'collector stopping' : endReason || text || `closed with code ${code}`,
        });
      });
    });
  }

  private async sendSubscriptions(ws: WebSocket): Promise<void> {
    const interval = this.options.subscribeIntervalMs ?? 125;
    for (let i = 0; i < this.options.subscribe.length; i++) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (i > 0 && interval > 0) await sleep(interval);
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify(this.options.subscribe[i]));
    }
  }
}
