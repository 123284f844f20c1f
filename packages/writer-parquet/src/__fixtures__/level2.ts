/**
 * Test data: the level2 schema of the row contract (as @etl/processors-coinbase declares it) and a
 * small reader that flattens the real Coinbase `l2_data` captures into level2 rows, so the writer
 * is tested on real values without depending on the parser package.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  col,
  defineSchema,
  parseTimestampNs,
  type Row,
  type Schema,
  utcDateKey,
  utcHourKey,
} from '@etl/core';

const FIXTURES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../tooling/fixtures/coinbase',
);
export const L2_FIXTURE = path.join(FIXTURES_DIR, 'advanced-l2_data-BTC-USD.ndjson');
export const SEGMENT_FIXTURE = path.join(FIXTURES_DIR, 'segment_20260809T21_00001.ndjson');

export const level2Schema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.string('event_type', { nullable: false, dictionary: true }),
  col.bool('is_snapshot', { nullable: false }),
  col.string('side', { nullable: false, dictionary: true }),
  col.string('side_normalized', { nullable: false, dictionary: true }),
  col.double('price_level', { nullable: false }),
  col.double('new_quantity', { nullable: false }),
  col.timestamp('event_time', 'ns'),
  col.timestamp('server_timestamp', 'ns'),
  col.timestamp('capture_timestamp', 'ns'),
  col.int64('sequence_num'),
  col.string('client_id', { dictionary: true }),
  col.string('channel', { dictionary: true }),
  col.date('date', { nullable: false }),
  col.string('hour', { nullable: false, dictionary: true }),
]);

const NS_1971 = 365n * 86_400n * 1_000_000_000n;

interface L2Update {
  side: string;
  event_time?: string;
  price_level: string;
  new_quantity: string;
}
interface L2Frame {
  channel: string;
  client_id?: string;
  timestamp: string;
  sequence_num: number;
  events: { type: string; product_id: string; updates: L2Update[] }[];
}

/** Level2 rows of one `l2_data` message, following the row contract. */
function level2RowsOf(frame: L2Frame, captureNs: bigint | null): Row[] {
  const rows: Row[] = [];
  const server = parseTimestampNs(frame.timestamp);
  for (const event of frame.events) {
    for (const u of event.updates) {
      const eventTime = u.event_time ? parseTimestampNs(u.event_time) : null;
      const keyTime = eventTime !== null && eventTime >= NS_1971 ? eventTime : server;
      rows.push({
        product_id: event.product_id,
        event_type: event.type,
        is_snapshot: event.type === 'snapshot',
        side: u.side,
        side_normalized: u.side === 'offer' ? 'ask' : 'bid',
        price_level: Number(u.price_level),
        new_quantity: Number(u.new_quantity),
        event_time: eventTime,
        server_timestamp: server,
        capture_timestamp: captureNs,
        sequence_num: BigInt(frame.sequence_num),
        client_id: frame.client_id ?? null,
        channel: frame.channel,
        date: utcDateKey(keyTime),
        hour: utcHourKey(keyTime),
      });
    }
  }
  return rows;
}

/** Every level2 row of an NDJSON capture (bare frames or collector envelopes), streamed. */
export async function readLevel2Rows(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (!line) continue;
    const value = JSON.parse(line) as { capture_ts?: string; data?: L2Frame } & Partial<L2Frame>;
    const frame = (value.data ?? value) as L2Frame;
    if (frame.channel !== 'l2_data') continue;
    const capture = value.capture_ts ? parseTimestampNs(value.capture_ts) : null;
    for (const row of level2RowsOf(frame, capture)) rows.push(row);
  }
  return rows;
}
