/**
 * The live collector: keeps a WebSocket connection to Coinbase Advanced Trade subscribed,
 * stamps every frame with its capture time and hands it through a bounded queue to the sinks
 * (rotating segment files, NATS JetStream, or both). Lost connections are re-established with
 * backoff and jitter; each (re)connect is recorded in the capture itself as a `_connection`
 * record, so the ETL sees where a gap is (Coinbase restarts `sequence_num` per connection, which
 * the level2 processor turns into a `reconnect` quality row and invalid books until the next
 * snapshot). No frame is dropped silently: a frame that must be shed is counted and recorded.
 */

import {
  errorMessage,
  formatTimestampNs,
  type Logger,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { sleep } from '@etl/core/internal';
import { CaptureClock } from './capture-clock.js';
import { envelopeLine, markerFrame, singleLine } from './envelope.js';
import { readFrameHeader } from './frame-header.js';
import { type CapturedFrame, FrameQueue, type FrameQueueOptions } from './frame-queue.js';
import { NatsFrameSink, type NatsFrameSinkOptions } from './nats-frame-sink.js';
import { ReconnectBackoff, type ReconnectBackoffOptions } from './reconnect-backoff.js';
import { SegmentWriter, type SegmentWriterOptions } from './segment-writer.js';
import { DEFAULT_CHANNELS, subscribeMessages } from './subscription-plan.js';
import { type SessionEnd, WebSocketSession } from './websocket-session.js';

export const COINBASE_ADVANCED_TRADE_URL = 'wss://advanced-trade-ws.coinbase.com';
/** Channel of the collector's own records in the capture. */
export const CONNECTION_CHANNEL = '_connection';

export interface CollectorOptions {
  /** WebSocket URL (default the Advanced Trade feed). */
  readonly url?: string;
  readonly products: readonly string[];
  /** Default: level2, market_trades, ticker, heartbeats. */
  readonly channels?: readonly string[];
  /** Segment files (`false` or absent: none). */
  readonly segments?: Omit<SegmentWriterOptions, 'logger'>;
  /** JetStream publishing (absent: none). The caller owns the connection. */
  readonly nats?: Omit<NatsFrameSinkOptions, 'logger'>;
  readonly reconnect?: ReconnectBackoffOptions & {
    /** A connection that lived this long resets the backoff (default 30 000 ms). */
    readonly stableAfterMs?: number;
  };
  /** End a connection after this long without a frame (default 15 000 ms). */
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Ms between subscribe messages (default 125). */
  readonly subscribeIntervalMs?: number;
  readonly maxProductsPerMessage?: number;
  readonly queue?: Omit<FrameQueueOptions, 'onPause' | 'onResume' | 'onShedBurstEnd'>;
  /** Stop after this many connections have ended (default: never; tools and tests). */
  readonly maxConnections?: number;
  /** JWT for authenticated channels (called per connection). */
  readonly jwt?: () => string;
  readonly logger?: Logger;
  readonly clock?: CaptureClock;
}

interface ConnectionRecord {
  readonly id: string;
  readonly lastSequence: number | null;
  readonly frames: number;
  readonly closedAtNs: bigint;
  readonly reason: string;
}

export class Collector {
  readonly url: string;
  private readonly options: CollectorOptions;
  private readonly logger: Logger;
  private readonly clock: CaptureClock;
  private readonly counts = new StatsCollector('collector');
  private readonly queue: FrameQueue;
  private readonly segments: SegmentWriter | undefined;
  private readonly nats: NatsFrameSink | undefined;
  private readonly backoff: ReconnectBackoff;
  private readonly stopping = new AbortController();
  private readonly runId: string;
  private session: WebSocketSession | undefined;
  private connectionCount = 0;
  private connectionId = '';
  private lastSequence: number | null = null;
  private running: Promise<void> | undefined;

  constructor(options: CollectorOptions) {
    if (!options.segments && !options.nats)
      throw new TypeError('Collector needs a sink: segments, nats or both');
    this.options = options;
    this.url = options.url ?? COINBASE_ADVANCED_TRADE_URL;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? new CaptureClock();
    // Validate the subscription now: a bad channel or missing product is a start-up error.
    this.subscription();
    this.queue = new FrameQueue({
      ...options.queue,
      onPause: () => {
        this.logger.warn('sinks are behind: pausing the WebSocket', { queued_bytes: this.queue.bytes });
        this.session?.pause();
      },
      onResume: () => this.session?.resume(),
      onShedBurstEnd: (shed) => this.recordShed(shed),
    });
    this.segments = options.segments
      ? new SegmentWriter({ ...options.segments, logger: this.logger })
      : undefined;
    this.nats = options.nats ? new NatsFrameSink({ ...options.nats, logger: this.logger }) : undefined;
    this.backoff = new ReconnectBackoff(options.reconnect);
    this.runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  }

  /** Connections opened so far. */
  get connections(): number {
    return this.connectionCount;
  }

  /** Runs until {@link stop} (or `maxConnections`); resolves once every frame is in the sinks. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Closes the connection, drains the queue into the sinks, closes the open segment. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.session?.close();
    await this.running;
  }

  stats(): Stats {
    const stages = [this.queue.stats()];
    if (this.segments) stages.push(this.segments.stats());
    if (this.nats) stages.push(this.nats.stats());
    return this.counts.snapshot(stages);
  }

  private subscription() {
    return subscribeMessages({
      channels: this.options.channels ?? DEFAULT_CHANNELS,
      products: this.options.products,
      ...(this.options.maxProductsPerMessage
        ? { maxProductsPerMessage: this.options.maxProductsPerMessage }
        : {}),
      ...(this.options.jwt ? { jwt: this.options.jwt } : {}),
    });
  }

  private async run(): Promise<void> {
    if (this.segments) await this.segments.open();
    const pump = this.pump();
    // Awaited below; marked handled so a sink failure is not reported before it is awaited.
    pump.catch(() => undefined);
    try {
      await this.connectLoop();
    } finally {
      this.pushMarker('stop', { reason: 'collector stopped' });
      this.queue.close();
      await pump;
      await this.segments?.close();
      await this.nats?.flush();
    }
  }

  private async connectLoop(): Promise<void> {
    const stableAfter = this.options.reconnect?.stableAfterMs ?? 30_000;
    let previous: ConnectionRecord | undefined;
    while (!this.stopping.signal.aborted) {
      const attempt = this.backoff.attempt;
      const id = `${this.runId}-${++this.connectionCount}`;
      this.lastSequence = null;
      const session = new WebSocketSession({
        url: this.url,
        subscribe: this.subscription(),
        ...(this.options.subscribeIntervalMs !== undefined
          ? { subscribeIntervalMs: this.options.subscribeIntervalMs }
          : {}),
        ...(this.options.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.options.idleTimeoutMs } : {}),
        ...(this.options.connectTimeoutMs !== undefined
          ? { connectTimeoutMs: this.options.connectTimeoutMs }
          : {}),
        onOpen: () => this.onOpen(id, attempt, previous),
        onFrame: (data) => this.onFrame(data),
      });
      this.session = session;
      if (this.queue.isPaused) session.pause();
      const end: SessionEnd = await session.run();
      this.session = undefined;
      if (end.connected) {
        previous = {
          id,
          lastSequence: this.lastSequence,
          frames: end.frames,
          closedAtNs: this.clock.nowNs(),
          reason: end.reason,
        };
        if (end.durationMs >= stableAfter) this.backoff.reset();
      }
      if (this.stopping.signal.aborted) break;
      if (this.options.maxConnections !== undefined && this.connectionCount >= this.options.maxConnections)
        break;
      const delay = this.backoff.next();
      this.counts.count(end.connected ? 'disconnects' : 'connect_failures');
      this.logger.warn(end.connected ? 'connection lost; reconnecting' : 'cannot connect; retrying', {
        url: this.url,
        reason: end.reason,
        frames: end.frames,
        retry_in_ms: Math.round(delay),
        attempt: this.backoff.attempt,
      });
      await sleep(delay, this.stopping.signal);
    }
  }

  private onOpen(id: string, attempt: number, previous: ConnectionRecord | undefined): void {
    this.connectionId = id;
    this.counts.count('connections');
    const now = this.clock.nowNs();
    if (previous) {
      this.counts.count('reconnects');
      this.pushMarker('reconnect', {
        attempt,
        down_ms: Number((now - previous.closedAtNs) / 1_000_000n),
        previous: {
          connection_id: previous.id,
          last_sequence_num: previous.lastSequence,
          frames: previous.frames,
          closed_at: formatTimestampNs(previous.closedAtNs),
          reason: previous.reason,
        },
      });
      this.logger.info('reconnected', {
        connection: id,
        previous: previous.id,
        down_ms: Number((now - previous.closedAtNs) / 1_000_000n),
      });
    } else {
      this.pushMarker('connect', {});
      this.logger.info('connected', { url: this.url, connection: id });
    }
  }

  /** The receive path: stamp first, then queue. Kept small, it runs for every frame. */
  private onFrame(data: Buffer): void {
    const captureNs = this.clock.nowNs();
    const header = readFrameHeader(data);
    if (header.sequenceNum !== null) this.lastSequence = header.sequenceNum;
    this.counts.recordsIn++;
    this.counts.bytesIn += data.length;
    if (!header.parsed) this.counts.count('frames_not_json');
    const frame: CapturedFrame = {
      data,
      captureNs,
      captureTs: this.clock.format(captureNs),
      header,
      connectionId: this.connectionId,
      marker: false,
    };
    if (!this.queue.push(frame)) this.counts.errors++;
  }

  private recordShed(shed: number): void {
    this.logger.error('frames shed: the sinks could not keep up', {
      frames: shed,
      connection: this.connectionId,
    });
    this.pushMarker('frames_shed', { frames: shed, last_sequence_num: this.lastSequence });
  }

  /** A `_connection` record in the capture (the parser counts it as a control message). */
  private pushMarker(event: string, fields: Record<string, unknown>): void {
    const captureNs = this.clock.nowNs();
    const data = markerFrame({
      channel: CONNECTION_CHANNEL,
      event,
      timestamp: formatTimestampNs(captureNs),
      connection_id: this.connectionId || null,
      url: this.url,
      ...fields,
    });
    this.counts.count(`markers:${event}`);
    this.queue.pushMarker({
      data,
      captureNs,
      captureTs: this.clock.format(captureNs),
      header: { channel: CONNECTION_CHANNEL, productId: null, sequenceNum: null, parsed: true },
      connectionId: this.connectionId,
      marker: true,
    });
  }

  /** Moves frames from the queue into the sinks, in order, until the queue is closed and empty. */
  private async pump(): Promise<void> {
    for (;;) {
      const frames = await this.queue.take(256);
      if (frames.length === 0) return;
      for (const f of frames) {
        const { frame, replaced } = singleLine(f.data);
        if (replaced) this.counts.count('frames_with_line_breaks');
        const line = envelopeLine(f.captureTs, frame, f.header.channel);
        try {
          if (this.segments) await this.segments.write(line);
        } catch (error) {
          // Disk trouble is fatal for the file sink: stop rather than lose frames quietly.
          this.logger.error('cannot write segment; stopping', { error: errorMessage(error) });
          this.stopping.abort();
          this.session?.close();
          throw error;
        }
        if (this.nats) await this.nats.publish(f, line);
        this.counts.recordsOut++;
      }
    }
  }
}
