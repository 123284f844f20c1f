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
  EtlError,
  errorMessage,
  type Logger,
  type QuarantineSink,
  type Reader,
  type SourceRecord,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { type JetStreamClient, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openConsumer } from './consumer-setup.js';
import { MessageBuffer } from './message-buffer.js';
import { StreamProbe } from './stream-probe.js';

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
  /**
   * After this many ms without messages the reader asks the stream whether it holds more for the
   * filter; if so, the consumer stalled (its pull was lost with a restarted server) and is opened
   * again after the last record yielded (default 2000). `stopAfterIdleMs` asks the same before ending.
   */
  readonly stallCheckMs?: number;
  /** Attempts to open the consumer again after a broker fault, 100 ms apart growing to 2 s (default 120). */
  readonly reopenAttempts?: number;
  /** Messages that are not valid JSON (decode 'json') go here; they are skipped and counted. */
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
}

const RAW_LIMIT = 4096;

/** Why a batch ended early or must be checked before it is yielded. */
interface BatchHole {
  /** Deliveries were lost between two messages: read again from the last record yielded. */
  readonly lostInFlight?: Record<string, number>;
  /** Stream sequences after this one were skipped: make sure the stream's limits did not remove them. */
  readonly removedCheckAfter?: number;
}

interface BatchResult {
  readonly records: SourceRecord[];
  readonly hole?: BatchHole;
}

export class JetStreamReader implements Reader<SourceRecord> {
  private readonly options: JetStreamReaderOptions;
  private readonly logger: Logger;
  private readonly counts = new StatsCollector('jetstream-reader');
  private readonly decoder = new TextDecoder();
  private lastSeq = 0;
  /** Stream sequence the next record must have, when known (start sequence, then last + 1). */
  private expectedNext: number | undefined;
  /** Delivery sequence of the consumer's last message: each delivery must follow the previous one. */
  private lastDelivery: number | undefined;
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
    const stallCheckMs = o.stallCheckMs ?? 2000;
    const js = jetstream(o.connection);
    const probe = new StreamProbe(await jetstreamManager(o.connection), stream, o.filterSubject);
    // Where the records must continue: the start sequence, then right after the last one yielded.
    this.expectedNext = o.startSequence;
    if (o.startSequence !== undefined && (o.recreateDurable || durable === undefined))
      await this.untilAnswered(stream, 'read the stream', () =>
        probe.assertNotRemovedAfter(o.startSequence! - 1),
      );
    let buffer = await this.open(js, stream, o.recreateDurable ?? false, batchSize);
    const file = `jetstream:${stream}`;
    let lastActivity = performance.now();
    let idleSince = lastActivity;
    let lastStallCheck = lastActivity;
    /** The stream's next message for us at the last quiet check, if there was one. */
    let stalledAt: number | undefined;
    /** Closes the consumer and opens it again right after the last record yielded. */
    const reopen = async (reason: string, details: Record<string, unknown>): Promise<void> => {
      const rest = await buffer.close();
      this.counts.count('consumer_reopened');
      this.logger.warn(`JetStream consumer: ${reason}; reading again from sequence ${this.lastSeq + 1}`, {
        stream,
        ...(durable !== undefined ? { durable } : {}),
        last_processed: this.lastSeq,
        discarded: rest.length,
        ...details,
      });
      buffer = await this.untilAnswered(stream, 'open the consumer', async () => {
        if (this.lastSeq > 0) await probe.assertNotRemovedAfter(this.lastSeq);
        return this.open(js, stream, true, batchSize);
      });
      lastActivity = idleSince = lastStallCheck = performance.now();
    };
    try {
      for (;;) {
        if (o.signal?.aborted) break;
        if (!manual && durable !== undefined) this.ack();
        if (buffer.size === 0) {
          if (buffer.done) {
            if (o.signal?.aborted) break;
            // The consumer's iterator ended on its own: deleted under us, or lost with the server.
            await reopen('the consumer stopped', { error: errorMessage(buffer.error ?? 'ended') });
            continue;
          }
          const now = performance.now();
          const untilIdle = idleMs > 0 ? idleSince + idleMs - now : Number.POSITIVE_INFINITY;
          const untilStop =
            stopAfterIdle !== undefined ? lastActivity + stopAfterIdle - now : Number.POSITIVE_INFINITY;
          const untilCheck = lastStallCheck + stallCheckMs - now;
          const wait = Math.max(0, Math.min(untilIdle, untilStop, untilCheck, 60_000));
          await buffer.waitForMessages(wait, o.signal);
          if (buffer.size === 0) {
            const after = performance.now();
            const stopping = stopAfterIdle !== undefined && after - lastActivity >= stopAfterIdle;
            if (stopping || after - lastStallCheck >= stallCheckMs) {
              // Quiet: either the stream holds nothing new, or the consumer stalled after a
              // broker fault (its pull was lost with the server). Only the stream can tell.
              lastStallCheck = after;
              // null: the stream could not be asked (the server is restarting): not idle, not stalled.
              const next = await probe.nextAfter(this.lastSeq).catch(() => null);
              // A message stored a moment ago may simply be on its way: a stall is one still
              // waiting at the next check (or when the read is about to end).
              if (typeof next === 'number' && (stopping || next === stalledAt) && !o.signal?.aborted) {
                stalledAt = undefined;
                await reopen('no messages arrive although the stream holds more', { next_in_stream: next });
                continue;
              }
              if (next !== null) stalledAt = next;
              if (stopping && next === undefined) break;
            }
            if (idleMs > 0 && after - idleSince >= idleMs) {
              idleSince = after;
              this.counts.count('idle_batches');
              yield [];
            }
            continue;
          }
        }
        const taken = buffer.take(batchSize);
        lastActivity = idleSince = lastStallCheck = performance.now();
        stalledAt = undefined;
        const { records, hole } = this.toRecords(taken, file, durable !== undefined);
        const skippedAfter = hole?.removedCheckAfter;
        if (skippedAfter !== undefined)
          await this.untilAnswered(stream, 'read the stream', () =>
            probe.assertNotRemovedAfter(skippedAfter),
          );
        if (records.length > 0) {
          this.counts.recordsOut += records.length;
          yield records;
        }
        if (hole?.lostInFlight) await reopen('messages were lost in flight', hole.lostInFlight);
      }
    } finally {
      // Messages received but not handed on stay unacknowledged; the next reader of the durable
      // starts right after the ack floor, so they come again, in order.
      const rest = await buffer.close();
      if (rest.length > 0) this.counts.count('unprocessed_on_close', rest.length);
    }
  }

  /** Opens the consumer at the reader's start, or right after the last record yielded. */
  private async open(
    js: JetStreamClient,
    stream: string,
    recreate: boolean,
    batchSize: number,
  ): Promise<MessageBuffer> {
    const o = this.options;
    const resumeAt = this.lastSeq > 0 ? this.lastSeq + 1 : undefined;
    const { consumer, continuesAt } = await openConsumer(o.connection, js, {
      stream,
      ...(o.durable !== undefined ? { durable: o.durable } : {}),
      ...(o.filterSubject ? { filterSubject: o.filterSubject } : {}),
      start:
        resumeAt !== undefined
          ? { sequence: resumeAt }
          : {
              ...(o.startSequence !== undefined ? { sequence: o.startSequence } : {}),
              ...(o.startTime !== undefined ? { time: o.startTime } : {}),
            },
      recreate,
      ackWaitMs: o.ackWaitMs ?? 600_000,
      logger: this.logger,
    });
    if (this.lastSeq === 0 && continuesAt !== undefined) this.expectedNext = continuesAt;
    const messages = await consumer.consume({ max_messages: Math.max(batchSize, 256) });
    void this.watchStatus(messages.status(), stream);
    this.lastDelivery = undefined;
    return new MessageBuffer(messages, Math.max(batchSize, o.bufferSize ?? batchSize * 4));
  }

  /**
   * Runs `attempt` until the server answers: after a fault it may still be starting. An
   * `EtlError` (a hole that cannot be filled) is final.
   */
  private async untilAnswered<T>(stream: string, what: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (
          error instanceof EtlError ||
          this.options.signal?.aborted ||
          n >= (this.options.reopenAttempts ?? 120)
        )
          throw error;
        if (n % 10 === 1)
          this.logger.warn(`JetStream: cannot ${what} yet, retrying`, {
            stream,
            attempt: n,
            error: errorMessage(error),
          });
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * n)));
      }
    }
  }

  stats(): Stats {
    return this.counts.snapshot();
  }

  /**
   * Messages to records, in stream order. Stops at the first message that does not follow the
   * previous delivery of this consumer (its delivery sequence jumped): deliveries were lost in
   * flight, so the consumer must be read again from the last record yielded.
   */
  private toRecords(taken: readonly JsMsg[], file: string, ackable: boolean): BatchResult {
    const records: SourceRecord[] = [];
    let hole: BatchHole | undefined;
    let lastTaken: JsMsg | undefined;
    const decode = this.options.decode ?? 'json';
    for (let i = 0; i < taken.length; i++) {
      const m = taken[i]!;
      const seq = m.seq;
      const delivery = m.info.deliverySequence;
      const previousDelivery = this.lastDelivery;
      this.lastDelivery = delivery;
      this.counts.recordsIn++;
      if (seq <= this.lastSeq) {
        // A redelivery (ack wait expired, or a restarted server re-sending) of something already handed on.
        this.counts.count('redeliveries_skipped');
        continue;
      }
      // A consumer created anew (the ordered consumer re-creates itself) starts again at delivery 1.
      const freshStart = delivery === 1 && seq === this.expectedNext;
      if (previousDelivery !== undefined && delivery !== previousDelivery + 1 && !freshStart) {
        this.counts.count('lost_deliveries');
        hole = {
          lostInFlight: {
            expected_delivery: previousDelivery + 1,
            delivery,
            sequence_received: seq,
            discarded: taken.length - i,
          },
        };
        break;
      }
      const expected = this.expectedNext;
      if (expected !== undefined && seq > expected && hole === undefined) {
        // Skipped sequences: filtered out, or removed by the stream's limits (checked by the caller).
        hole = { removedCheckAfter: expected - 1 };
      }
      this.lastSeq = seq;
      this.expectedNext = seq + 1;
      lastTaken = m;
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
    if (ackable && lastTaken !== undefined) this.unacked.push(lastTaken);
    return { records, ...(hole ? { hole } : {}) };
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
