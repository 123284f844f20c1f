/**
 * Publishes captured frames to JetStream, one message per frame on
 * `<prefix>.<channel>.<product>`, the payload being the same envelope line the segment files
 * hold (so the ETL reads both the same way). The msgID is the connection id and the frame's
 * sequence number, so a retried publish is dropped by the stream's duplicate window.
 */
import { type Logger, type Stats, StatsCollector, silentLogger } from '@etl/core';
import { JetStreamPublisher, marketDataSubject, type NatsConnection } from '@etl/stream-nats';
import type { CapturedFrame } from './frame-queue.js';

export interface NatsFrameSinkOptions {
  readonly connection: NatsConnection;
  /** Subject prefix (default `md.coinbase`). */
  readonly subjectPrefix?: string;
  /** Publishes awaiting their ack at once (default 1024). */
  readonly maxInFlight?: number;
  readonly logger?: Logger;
}

export class NatsFrameSink {
  private readonly publisher: JetStreamPublisher;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly connection: NatsConnection;
  private readonly counts = new StatsCollector('nats-frame-sink');
  private unnumbered = 0;

  constructor(options: NatsFrameSinkOptions) {
    this.connection = options.connection;
    this.prefix = options.subjectPrefix ?? 'md.coinbase';
    this.logger = options.logger ?? silentLogger;
    this.publisher = new JetStreamPublisher({
      connection: options.connection,
      logger: this.logger,
      ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    });
  }

  /** Publishes one frame's envelope line (its trailing newline is not sent). */
  async publish(frame: CapturedFrame, line: Buffer): Promise<void> {
    const payload = line[line.length - 1] === 0x0a ? line.subarray(0, line.length - 1) : line;
    this.counts.recordsIn++;
    const max = this.connection.info?.max_payload;
    if (max !== undefined && payload.length > max) {
      this.counts.errors++;
      this.counts.count('frames_too_large');
      this.logger.error(
        `frame of ${payload.length} bytes exceeds the NATS server's max_payload (${max}): not published; raise max_payload (e.g. "max_payload: 8MB" in the server config)`,
        {
          channel: frame.header.channel,
          sequence_num: frame.header.sequenceNum,
          connection: frame.connectionId,
        },
      );
      return;
    }
    const h = frame.header;
    const msgId =
      h.sequenceNum !== null && !frame.marker
        ? `${frame.connectionId}:${h.sequenceNum}`
        : `${frame.connectionId}:m${++this.unnumbered}`;
    await this.publisher.publish(marketDataSubject(this.prefix, h.channel, h.productId), payload, msgId);
    this.counts.recordsOut++;
    this.counts.bytesOut += payload.length;
  }

  /** Waits for every outstanding ack. */
  flush(): Promise<void> {
    return this.publisher.flush();
  }

  stats(): Stats {
    return this.counts.snapshot([this.publisher.stats()]);
  }
}
