/**
 * The `quality` dataset: one row per event that affects how far the book columns can be trusted.
 * Rows travel in the processor's output stream with `channel: 'quality'`; the orchestrator routes
 * them to their own dataset.
 */
import { col, defineSchema, type Row, type Schema, utcDateKey, utcHourKey } from '@etl/core';

export const QUALITY_CHANNEL = 'quality';

/**
 * 'gap': sequence numbers missing, books invalid until their next snapshot.
 * 'reconnect': the counter went back (a new connection), books invalid until their next snapshot.
 * 'crossed_book': best bid >= best ask after a message (detail says what the policy did).
 * 'sequence_jump_unverified': numbers missing in a capture that is evidently product-filtered.
 * 'checkpoint_restored' / 'checkpoint_stale': whether restored books continued or were dropped.
 * 'invalid_level': a level2 row that could not be applied (quarantined); its book is invalid.
 */
export type QualityKind =
  | 'gap'
  | 'reconnect'
  | 'crossed_book'
  | 'sequence_jump_unverified'
  | 'checkpoint_restored'
  | 'checkpoint_stale'
  | 'invalid_level';

export const qualitySchema: Schema = defineSchema([
  col.string('kind', { nullable: false, dictionary: true }),
  col.string('product_id', { dictionary: true, description: 'null for connection-wide events' }),
  col.int64('sequence_from', {
    description: 'first sequence number concerned (for jumps: the first missing one)',
  }),
  col.int64('sequence_to', {
    description: 'last sequence number concerned (for jumps: the last missing one)',
  }),
  col.timestamp('time_from', 'ns', { description: 'server time of the message before the event' }),
  col.timestamp('time_to', 'ns', { description: 'server time of the message that revealed the event' }),
  col.string('detail'),
  col.string('channel', { nullable: false, dictionary: true }),
  col.date('date', { description: 'UTC date of time_to (else time_from); partition key' }),
  col.string('hour', {
    dictionary: true,
    description: 'UTC hour of time_to (else time_from); partition key',
  }),
]);

/** What a quality row says; sequence and time bounds are null where they do not apply. */
export interface QualityEvent {
  readonly kind: QualityKind;
  /** null for connection-wide events. */
  readonly productId: string | null;
  readonly sequenceFrom: bigint | null;
  readonly sequenceTo: bigint | null;
  readonly timeFrom: bigint | null;
  readonly timeTo: bigint | null;
  readonly detail: string;
}

/** Builds a quality row; date and hour come from `timeTo`, else `timeFrom`. */
export function qualityRow(event: QualityEvent): Row {
  const t = event.timeTo ?? event.timeFrom;
  return {
    kind: event.kind,
    product_id: event.productId,
    sequence_from: event.sequenceFrom,
    sequence_to: event.sequenceTo,
    time_from: event.timeFrom,
    time_to: event.timeTo,
    detail: event.detail,
    channel: QUALITY_CHANNEL,
    date: t === null ? null : utcDateKey(t),
    hour: t === null ? null : utcHourKey(t),
  };
}
