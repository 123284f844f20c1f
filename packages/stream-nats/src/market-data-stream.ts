/**
 * The JetStream stream that holds raw frames. A limits-retention stream doubles as a replay
 * buffer: consumers start from any sequence or time it still holds. Only settings that
 * nats-server 2.9 accepts are used (no compression, metadata, first_seq or subject transforms).
 */
import { EtlError, errorMessage, type Logger, silentLogger } from '@etl/core';
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX } from './subjects.js';

export interface MarketDataStreamOptions {
  /** Stream name (default `MD_COINBASE`). */
  readonly name?: string;
  /** Subjects it captures (default `['md.coinbase.>']`). */
  readonly subjects?: readonly string[];
  /** Oldest message kept, in ms (default 24 h; 0 = no age limit). */
  readonly maxAgeMs?: number;
  /** Size limit in bytes (default -1: none); oldest messages are discarded first. */
  readonly maxBytes?: number;
  /** Window in ms within which a repeated publish msgID is dropped as a duplicate (default 2 min). */
  readonly duplicateWindowMs?: number;
  /** 'file' (default) or 'memory'. */
  readonly storage?: 'file' | 'memory';
  readonly logger?: Logger;
}

export interface MarketDataStreamInfo {
  readonly name: string;
  readonly created: boolean;
  readonly subjects: readonly string[];
  /** Messages in the stream and the sequence range they cover. */
  readonly messages: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

const MS = 1_000_000;

/**
 * Creates the stream if it does not exist. An existing stream is left as it is (its limits may
 * have been tuned by an operator), except that missing subjects are added.
 */
export async function ensureMarketDataStream(
  connection: NatsConnection,
  options: MarketDataStreamOptions = {},
): Promise<MarketDataStreamInfo> {
  const name = options.name ?? DEFAULT_STREAM;
  const subjects = [...(options.subjects ?? [`${DEFAULT_SUBJECT_PREFIX}.>`])];
  const logger = options.logger ?? silentLogger;
  const maxAgeMs = options.maxAgeMs ?? 24 * 3600 * 1000;
  const duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
  try {
    const jsm = await jetstreamManager(connection);
    let created = false;
    let info = await jsm.streams.info(name).catch((error: unknown) => {
      if (/stream not found/i.test(errorMessage(error))) return undefined;
      throw error;
    });
    if (!info) {
      const config = {
        name,
        subjects,
        retention: RetentionPolicy.Limits,
        storage: options.storage === 'memory' ? StorageType.Memory : StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: maxAgeMs * MS,
        max_bytes: options.maxBytes ?? -1,
        // The server refuses a duplicate window longer than the age limit.
        duplicate_window: (maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs) * MS,
      };
      try {
        info = await jsm.streams.add(config);
        created = true;
      } catch (error) {
        // Another process (collector and `etl stream` start together) may have just created it.
        const existing = await jsm.streams.info(name).catch(() => undefined);
        if (!existing) throw error;
        info = existing;
      }
      if (created) logger.info('created JetStream stream', { stream: name, subjects });
    }
    if (!created) {
      const have = new Set(info.config.subjects ?? []);
      const missing = subjects.filter((s) => !have.has(s));
      if (missing.length > 0) {
        info = await jsm.streams.update(name, { subjects: [...have, ...missing] });
        logger.info('added subjects to JetStream stream', { stream: name, subjects: missing });
      }
    }
    return {
      name,
      created,
      subjects: info.config.subjects ?? [],
      messages: info.state.messages,
      firstSequence: info.state.first_seq,
      lastSequence: info.state.last_seq,
    };
  } catch (error) {
    throw new EtlError(`JetStream stream ${name}: ${errorMessage(error)}`, 'E_NATS_STREAM', { cause: error });
  }
}
