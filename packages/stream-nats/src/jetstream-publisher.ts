/**
 * Publishes messages to JetStream with many acknowledgements in flight (a round trip per message
 * would cap throughput at a few thousand per second) and a bound on how many: `publish` waits
 * when the bound is reached, which is the caller's backpressure. A message whose ack fails is
 * retried with the same msgID, so the stream's duplicate window drops a copy it already stored;
 * a message that fails every attempt is counted and logged, never dropped silently.
 */

import { errorMessage, type Logger, type Stats, StatsCollector, silentLogger } from '@etl/core';
import { sleep } from '@etl/core/internal';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface JetStreamPublisherOptions {
  readonly connection: NatsConnection;
  /** Messages awaiting their ack at once (default 1024). */
  readonly maxInFlight?: number;
  /** Milliseconds to wait for one ack (default 5000). */
  readonly ackTimeoutMs?: number;
  /** Attempts per message before it counts as failed (default 5). */
  readonly attempts?: number;
  /** Milliseconds before the first retry; doubles per attempt (default 200). */
  readonly retryDelayMs?: number;
  readonly logger?: Logger;
}

export class JetStreamPublisher {
  private readonly js: JetStreamClient;
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private readonly counts = new StatsCollector('jetstream-publisher');
  private pending = 0;
  /** Resolved whenever an ack settles, so waiters re-check the in-flight count. */
  private settled: (() => void)[] = [];
  private lastErrorText: string | undefined;

  constructor(options: JetStreamPublisherOptions) {
    this.js = jetstream(options.connection);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1024);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.attempts = Math.max(1, options.attempts ?? 5);
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.logger = options.logger ?? silentLogger;
  }

  /** Messages sent and not yet acknowledged. */
  get inFlight(): number {
    return this.pending;
  }

  /** Messages that failed every attempt so far. */
  get failures(): number {
    return this.counts.errors;
  }

  /** The last publish error, for status reports. */
  get lastError(): string | undefined {
    return this.lastErrorText;
  }

  /**
   * Sends a message; resolves once it is on its way and the in-flight bound allows another. Its
   * ack is awaited in the background; {@link flush} waits for all of them.
   */
  async publish(subject: string, data: Uint8Array, msgId?: string): Promise<void> {
    this.counts.recordsIn++;
    this.pending++;
    void this.send(subject, data, msgId, 1);
    while (this.pending >= this.maxInFlight) {
      this.counts.count('backpressure_waits');
      await this.nextSettle();
    }
  }

  /** Waits until every message sent so far is acknowledged or has failed every attempt. */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.nextSettle();
  }

  stats(): Stats {
    return this.counts.snapshot();
  }

  private nextSettle(): Promise<void> {
    return new Promise((resolve) => this.settled.push(resolve));
  }

  private async send(
    subject: string,
    data: Uint8Array,
    msgId: string | undefined,
    attempt: number,
  ): Promise<void> {
    try {
      const ack = await this.js.publish(subject, data, {
        timeout: this.ackTimeoutMs,
        ...(msgId !== undefined ? { msgID: msgId } : {}),
      });
      if (ack.duplicate) this.counts.count('duplicates');
      else {
        this.counts.recordsOut++;
        this.counts.bytesOut += data.length;
      }
    } catch (error) {
      this.lastErrorText = errorMessage(error);
      if (attempt < this.attempts) {
        this.counts.count('retries');
        this.logger.warn('JetStream publish failed; retrying', {
          subject,
          msg_id: msgId,
          attempt,
          error: this.lastErrorText,
        });
        await sleep(this.retryDelayMs * 2 ** (attempt - 1));
        return this.send(subject, data, msgId, attempt + 1);
      }
      this.counts.errors++;
      this.logger.error('JetStream publish failed; message lost to the bus', {
        subject,
        msg_id: msgId,
        attempts: attempt,
        error: this.lastErrorText,
      });
    }
    this.pending--;
    const waiters = this.settled;
    this.settled = [];
    for (const wake of waiters) wake();
  }
}
