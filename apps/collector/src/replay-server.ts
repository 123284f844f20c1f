/**
 * A local stand-in for the exchange: a WebSocket server that replays captured frames, byte for
 * byte, with their original spacing in time (optionally sped up), after the client subscribes.
 * Tests and benchmarks use it, and it lets you try a collector set-up without a network:
 * `loadSegmentFrames('segment_….ndjson')` gives the frames and their receive times.
 */

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseTimestampNs } from '@etl/core';
import { sleep } from '@etl/core/internal';
import { type WebSocket, WebSocketServer } from 'ws';

export interface ReplayFrame {
  /** The frame's bytes. */
  readonly data: Buffer;
  /** When to send it, in ms after the replay starts (before speed-up). */
  readonly atMs: number;
}

export interface ReplayScript {
  readonly frames: readonly ReplayFrame[];
  /** Cut the connection abruptly (no close frame) after sending this many frames. */
  readonly dropAfter?: number;
}

export interface ReplayServerOptions {
  /** What to send on the n-th connection (0-based), given the subscribe messages received so far. */
  readonly script: (connection: number, subscriptions: readonly unknown[]) => ReplayScript;
  /** Subscribe messages to wait for before replaying (default 1). */
  readonly subscriptionsBeforeReplay?: number;
  /** Time compression: 50 plays 24 s in 0.48 s (default 1). `Infinity` sends as fast as the socket takes. */
  readonly speedup?: number;
  /** Port (default 0: any free one). */
  readonly port?: number;
}

export interface ReplayConnection {
  readonly subscriptions: unknown[];
  sent: number;
  dropped: boolean;
  done: boolean;
}

const DATA_KEY = '"data":';
const META_KEY = ',"metadata":';

/**
 * The frames of a collector segment, each exactly as it sits inside its envelope, with its
 * receive time (`capture_ts`) as the offset from the first one.
 */
export function loadSegmentFrames(file: string): ReplayFrame[] {
  const frames: ReplayFrame[] = [];
  let first: bigint | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const start = line.indexOf(DATA_KEY);
    const end = line.lastIndexOf(META_KEY);
    if (start < 0 || end < start) throw new Error(`${file}: not a collector envelope: ${line.slice(0, 80)}`);
    const capture = parseTimestampNs((JSON.parse(line) as { capture_ts: string }).capture_ts);
    first ??= capture;
    frames.push({
      data: Buffer.from(line.slice(start + DATA_KEY.length, end), 'utf8'),
      atMs: Number(capture - first) / 1e6,
    });
  }
  return frames;
}

export class CoinbaseReplayServer {
  readonly connections: ReplayConnection[] = [];

  private constructor(
    private readonly server: WebSocketServer,
    private readonly options: ReplayServerOptions,
  ) {
    server.on('connection', (ws) => this.onConnection(ws));
  }

  static async start(options: ReplayServerOptions): Promise<CoinbaseReplayServer> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: options.port ?? 0,
      perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new CoinbaseReplayServer(server, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Closes every connection and the server. */
  async close(): Promise<void> {
    for (const ws of this.server.clients) ws.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    const index = this.connections.length;
    const conn: ReplayConnection = { subscriptions: [], sent: 0, dropped: false, done: false };
    this.connections.push(conn);
    const wanted = this.options.subscriptionsBeforeReplay ?? 1;
    let started = false;
    ws.on('message', (data) => {
      conn.subscriptions.push(JSON.parse(String(data)));
      if (!started && conn.subscriptions.length >= wanted) {
        started = true;
        void this.replay(ws, conn, this.options.script(index, conn.subscriptions));
      }
    });
  }

  private async replay(ws: WebSocket, conn: ReplayConnection, script: ReplayScript): Promise<void> {
    const speedup = this.options.speedup ?? 1;
    const t0 = performance.now();
    for (const frame of script.frames) {
      if (ws.readyState !== ws.OPEN) return;
      if (script.dropAfter !== undefined && conn.sent >= script.dropAfter) {
        conn.dropped = true;
        // No close frame: the client sees the connection die, as when a network path fails.
        ws.terminate();
        return;
      }
      if (Number.isFinite(speedup)) {
        const wait = t0 + frame.atMs / speedup - performance.now();
        if (wait > 1) await sleep(wait);
      }
      if (ws.bufferedAmount > 4 * 1024 * 1024) {
        await new Promise<void>((resolve) => ws.send(frame.data, { binary: false }, () => resolve()));
      } else ws.send(frame.data, { binary: false });
      conn.sent++;
    }
    conn.done = true;
  }
}
