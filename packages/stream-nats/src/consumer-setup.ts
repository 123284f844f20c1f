/**
 * Opens the JetStream consumer a reader pulls from: a durable pull consumer (its position lives
 * on the server and survives restarts) or, without a durable name, an ordered consumer (client-
 * side position, nothing left on the server). Both can start at a sequence or a time. A durable
 * is meant for one reader at a time: it resumes right after its ack floor, in stream order. Only
 * settings nats-server 2.9 accepts are used (one `filter_subject` string, no metadata).
 */
import { ConfigError, errorMessage, type Logger } from '@etl/core';
import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamClient,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Where a new consumer starts. */
export interface ConsumerStart {
  /** First stream sequence to deliver (1 = the beginning). */
  readonly sequence?: number;
  /** First message stored at or after this instant (Date or RFC 3339 string). */
  readonly time?: Date | string;
}

export interface ConsumerSetup {
  readonly stream: string;
  readonly durable?: string;
  readonly filterSubject?: string;
  readonly start: ConsumerStart;
  /** Durable only: delete an existing durable and create it again at `start`. */
  readonly recreate: boolean;
  readonly ackWaitMs: number;
  readonly logger: Logger;
}

const NS_PER_MS = 1_000_000;

function startTimeIso(time: Date | string): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime()))
    throw new ConfigError('startTime', `not a date: ${JSON.stringify(String(time))}`);
  return date.toISOString();
}

/** `deliver_policy` and its start option for a start position. */
function deliverPolicyFor(
  start: ConsumerStart,
): Pick<ConsumerConfig, 'deliver_policy' | 'opt_start_seq' | 'opt_start_time'> {
  if (start.sequence !== undefined && start.time !== undefined) {
    throw new ConfigError('startSequence', 'give a start sequence or a start time, not both');
  }
  if (start.sequence !== undefined) {
    if (!Number.isSafeInteger(start.sequence) || start.sequence < 1) {
      throw new ConfigError('startSequence', `must be an integer ≥ 1, got ${String(start.sequence)}`);
    }
    return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.sequence };
  }
  if (start.time !== undefined)
    return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: startTimeIso(start.time) };
  return { deliver_policy: DeliverPolicy.All };
}

function isNotFound(error: unknown): boolean {
  return /consumer not found/i.test(errorMessage(error));
}

export interface OpenedConsumer {
  readonly consumer: Consumer;
  /**
   * Stream sequence its first message must have when it continues earlier work (right after an
   * existing durable's ack floor); undefined for a new start.
   */
  readonly continuesAt?: number;
}

/** The consumer to pull from, created (or re-created) as `setup` asks. */
export async function openConsumer(
  connection: NatsConnection,
  js: JetStreamClient,
  setup: ConsumerSetup,
): Promise<OpenedConsumer> {
  const policy = deliverPolicyFor(setup.start);
  if (setup.durable === undefined) {
    const consumer = await js.consumers.get(setup.stream, {
      ...policy,
      ...(setup.filterSubject ? { filter_subjects: setup.filterSubject } : {}),
    });
    return { consumer };
  }
  const jsm = await jetstreamManager(connection);
  const existing = await jsm.consumers.info(setup.stream, setup.durable).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  let start = policy;
  if (existing && !setup.recreate && existing.num_ack_pending > 0) {
    // Messages delivered to an earlier reader and never acknowledged would come back only after
    // the ack wait, behind newer ones. Starting again right after the ack floor keeps stream order.
    const floor = existing.ack_floor.stream_seq;
    const c = existing.config;
    start =
      floor > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
        : {
            deliver_policy: c.deliver_policy,
            ...(c.opt_start_seq !== undefined ? { opt_start_seq: c.opt_start_seq } : {}),
            ...(c.opt_start_time !== undefined ? { opt_start_time: c.opt_start_time } : {}),
          };
    setup.logger.info('resuming durable consumer right after its ack floor', {
      stream: setup.stream,
      durable: setup.durable,
      ack_floor: floor,
      unacknowledged: existing.num_ack_pending,
    });
  }
  const renew = existing !== undefined && (setup.recreate || start !== policy);
  if (renew) {
    await jsm.consumers.delete(setup.stream, setup.durable);
    if (setup.recreate) {
      setup.logger.info('re-creating durable consumer at the requested position', {
        stream: setup.stream,
        durable: setup.durable,
        ...policy,
      });
    }
  }
  if (!existing || renew) {
    const filter =
      setup.filterSubject ?? (renew && !setup.recreate ? existing?.config.filter_subject : undefined);
    await jsm.consumers.add(setup.stream, {
      durable_name: setup.durable,
      ack_policy: AckPolicy.All,
      // Acks come at commit points, which can be far apart: no cap on unacknowledged messages,
      // and a long ack wait so the server does not redeliver what is still being worked on.
      max_ack_pending: -1,
      ack_wait: setup.ackWaitMs * NS_PER_MS,
      ...start,
      ...(filter ? { filter_subject: filter } : {}),
    });
  }
  const consumer = await js.consumers.get(setup.stream, setup.durable);
  // An existing durable goes on after its ack floor: what comes next must follow it.
  const floor = existing && !setup.recreate ? existing.ack_floor.stream_seq : 0;
  return { consumer, ...(floor > 0 ? { continuesAt: floor + 1 } : {}) };
}
