/**
 * A `Reader<SourceRecord>` over a JetStream stream, so the processors that read segment files run
 * unchanged on live data. Each message becomes one record: `file` is `jetstream:<stream>`, `line`
 * is the message's stream sequence (so quarantine entries and resume points name it), `value` is
 * the parsed JSON (or the text or bytes, see `decode`).
 *
 * Delivery: with a durable consumer the server remembers what was acknowledged. In `ack: 'auto'`
 * a batch is acknowledged when the next one is requested (at-least-once: a batch being worked on
 * when the process dies comes again, first, since a durable with unacknowledged messages resumes
 * right after its ack floor). In `ack: 'manual'` nothing is acknowledged until
 * {@link JetStreamReader.ack}, which a caller uses at its own commit points; a caller that keeps its
 * position next to its output (exactly-once) re-creates the durable at that position
 * (`recreateDurable`). Without a durable name an ordered consumer is used (nothing to acknowledge).
 * Redeliveries of sequences already yielded are skipped, so batches are strictly in stream order.
 */
import {
  errorMessage,
  type Logger,
  type QuarantineSink,
  type Reader,
  type SourceRecord,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { type JsMsg, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openConsumer } from './consumer-setup.js';
import { MessageBuffer } from './message-buffer.js';

export type JetStreamDecode = 'json' | 'text' | 'bytes';

export interface JetStreamReaderOptions {
  readonly connection: NatsConnection;
  /** Durable pull consumer name; without it an ordered (ephemeral) consumer is used. */
  readonly durable?: string;
  /** Only messages on this subject (wildcards allowed), e.g. `md.coinbase.>`. */
  readonly filterSubject?: string;
  /** Where a new consumer starts: stream sequence (1 = beginning). Default: the beginning. */
  readonly startSequence?: number;
  /** Where a new consumer starts: first message stored at or after this instant. */
  readonly startTime?: Date | string;
  /** Delete an existing durable and create it again at the start position (default false). */
  readonly recreateDurable?: boolean;
  /** Durable only: 'auto' (default) acks a batch when the next is requested; 'manual' only on `ack(upTo)`. */
  readonly ack?: 'auto' | 'manual';
  /** Durable only: ms before the server redelivers an unacknowledged message (default 10 min). */
  readonly ackWaitMs?: number;
  /** Most records per batch (default 512). A batch holds what has arrived; it never waits to fill. */
  readonly batchSize?: number;
  /** Messages buffered ahead of the caller (default 4 × batchSize). */
  readonly bufferSize?: number;
  /** Yield an empty batch after this many ms without messages, so callers can do timed work (default 0: never). */
  readonly idleMs?: number;
  /** End the read after this many ms without messages (default: never, read until aborted). */
  readonly stopAfterIdleMs?: number;
  /** Ends the read at the next batch boundary. */
  readonly signal?: AbortSignal;
  /** 'json' (default) parses each message; 'text' gives the string; 'bytes' the raw data. */
  readonly decode?: JetStreamDecode;
  /** Messages that are not valid JSON (decode 'json') go here; they are skipped and counted. */
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
}

const RAW_LIMIT = 4096;

export class JetStreamReader implements Reader<SourceRecord> {
  private readonly options: JetStreamReaderOptions;
  private readonly logger: Logger;
  private readonly counts = new StatsCollector('jetstream-reader');
  private readonly decoder = new TextDecoder();
  private lastSeq = 0;
  /**
   * The last message of each batch yielded and not yet acknowledged, in stream order. With
   * AckPolicy.All, acking one acknowledges everything before it too.
   */
  private unacked: JsMsg[] = [];

  constructor(options: JetStreamReaderOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
  }

  /** Stream sequence of the last record yielded (0 before the first). */
  get lastSequence(): number {
    return this.lastSeq;
  }

  /**
   * Acknowledges the messages yielded up to stream sequence `upTo` (default: all yielded so far),
   * at batch granularity: the last batch ending at or before `upTo`. Durable consumers only; a
   * no-op otherwise. Call it once their effects are durable, e.g. after committing the output
   * they went into.
   */
  ack(upTo = Number.POSITIVE_INFINITY): void {
    const list = this.unacked;
    let n = 0;
    while (n < list.length && list[n]!.seq <= upTo) n++;
    if (n === 0) return;
    const m = list[n - 1]!;
    list.splice(0, n);
    m.ack();
    this.counts.count('acks');
  }

  async *read(stream: string): AsyncIterable<SourceRecord[]> {
    const o = this.options;
    const durable = o.durable;
    const manual = o.ack === 'manual';
    const batchSize = Math.max(1, o.batchSize ?? 512);
    const idleMs = o.idleMs ?? 0;
    const stopAfterIdle = o.stopAfterIdleMs;
    const js = jetstream(o.connection);
    const consumer = await openConsumer(o.connection, js, {
      stream,
      ...(durable !== undefined ? { durable } : {}),
      ...(o.filterSubject ? { filterSubject: o.filterSubject } : {}),
      start: {
        ...(o.startSequence !== undefined ? { sequence: o.startSequence } : {}),
        ...(o.startTime !== undefined ? { time: o.startTime } : {}),
      },
      recreate: o.recreateDurable ?? false,
      ackWaitMs: o.ackWaitMs ?? 600_000,
      logger: this.logger,
    });
    const messages = await consumer.consume({ max_messages: Math.max(batchSize, 256) });
    void this.watchStatus(messages.status(), stream);
    const buffer = new MessageBuffer(messages, Math.max(batchSize, o.bufferSize ?? batchSize * 4));
    const file = `jetstream:${stream}`;
    let lastActivity = performance.now();
    let idleSince = lastActivity;
    try {
      for (;;) {
        if (o.signal?.aborted) break;
        if (!manual && durable !== undefined) this.ack();
        if (buffer.size === 0) {
          if (buffer.done) {
            if (buffer.error) throw buffer.error;
            break;
          }
          const now = performance.now();
          const untilIdle = idleMs > 0 ? idleSince + idleMs - now : Number.POSITIVE_INFINITY;
          const untilStop =
            stopAfterIdle !== undefined ? lastActivity + stopAfterIdle - now : Number.POSITIVE_INFINITY;
          const wait = Math.max(0, Math.min(untilIdle, untilStop, 60_000));
          await buffer.waitForMessages(wait, o.signal);
          if (buffer.size === 0) {
            const after = performance.now();
            if (stopAfterIdle !== undefined && after - lastActivity >= stopAfterIdle) break;
            if (idleMs > 0 && after - idleSince >= idleMs) {
              idleSince = after;
              this.counts.count('idle_batches');
              yield [];
            }
            continue;
          }
        }
        const taken = buffer.take(batchSize);
        lastActivity = idleSince = performance.now();
        const records = this.toRecords(taken, file, durable !== undefined);
        if (records.length > 0) {
          this.counts.recordsOut += records.length;
          yield records;
        }
      }
    } finally {
      // Messages received but not handed on stay unacknowledged; the next reader of the durable
      // starts right after the ack floor, so they come again, in order.
      const rest = await buffer.close();
      if (rest.length > 0) this.counts.count('unprocessed_on_close', rest.length);
    }
  }

  stats(): Stats {
    return this.counts.snapshot();
  }

  private toRecords(taken: readonly JsMsg[], file: string, ackable: boolean): SourceRecord[] {
    const records: SourceRecord[] = [];
    const last = taken[taken.length - 1];
    if (ackable && last !== undefined && last.seq > (this.unacked.at(-1)?.seq ?? 0)) this.unacked.push(last);
    const decode = this.options.decode ?? 'json';
    for (let i = 0; i < taken.length; i++) {
      const m = taken[i]!;
      const seq = m.seq;
      this.counts.recordsIn++;
      if (seq <= this.lastSeq) {
        // A redelivery (ack wait expired) of something already handed on.
        this.counts.count('redeliveries_skipped');
        continue;
      }
      this.lastSeq = seq;
      const data = m.data;
      this.counts.bytesIn += data.length;
      if (decode === 'bytes') {
        records.push({ file, line: seq, bytes: data.length, value: data });
        continue;
      }
      const text = this.decoder.decode(data);
      if (decode === 'text') {
        records.push({ file, line: seq, bytes: data.length, value: text });
        continue;
      }
      try {
        records.push({ file, line: seq, bytes: data.length, value: JSON.parse(text) });
      } catch (error) {
        this.reject(file, seq, `invalid JSON on subject ${m.subject}: ${errorMessage(error)}`, text);
      }
    }
    return records;
  }

  private reject(file: string, seq: number, reason: string, raw: string): void {
    this.counts.errors++;
    this.logger.warn(`${file}:${seq}: ${reason}`, { file, line: seq, stage: 'reader' });
    this.options.quarantine?.put({ file, line: seq, reason, raw: raw.slice(0, RAW_LIMIT), stage: 'reader' });
  }

  private async watchStatus(status: AsyncIterable<{ type: string }>, stream: string): Promise<void> {
    try {
      for await (const s of status) {
        switch (s.type) {
          case 'heartbeats_missed':
          case 'consumer_deleted':
          case 'consumer_not_found':
          case 'stream_not_found':
          case 'exceeded_limits':
            this.counts.count(`status:${s.type}`);
            this.logger.warn(`JetStream consumer: ${s.type}`, { stream, ...s });
            break;
          case 'ordered_consumer_recreated':
          case 'reset':
            this.counts.count(`status:${s.type}`);
            this.logger.info(`JetStream consumer: ${s.type}`, { stream });
            break;
          default:
            break;
        }
      }
    } catch {
      // The status iterator ends with the messages; nothing to report.
    }
  }
}
