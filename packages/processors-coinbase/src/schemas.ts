/**
 * Raw dataset schemas of the Coinbase Advanced Trade parser. Column names keep the seed's names so
 * queries written for it still work; processors extend these with derived and book columns.
 */
import { col, defineSchema, type Schema } from '@etl/core';

const common = [
  col.string('event_type', { dictionary: true, description: "'snapshot' or 'update', as sent" }),
  col.timestamp('server_timestamp', 'ns', { description: "the message's exchange timestamp (UTC)" }),
  col.timestamp('capture_timestamp', 'ns', {
    description: 'when the collector received the frame (UTC); null for bare frames',
  }),
  col.int64('sequence_num', { description: 'per-connection counter shared by all channels' }),
  col.string('client_id', { dictionary: true }),
  col.string('channel', { dictionary: true, description: 'channel name as sent' }),
];

const partitions = [
  col.date('date', { nullable: false, description: 'UTC date of the exchange time (partition key)' }),
  col.string('hour', {
    nullable: false,
    dictionary: true,
    description: "UTC hour '0'–'23', unpadded so engines read hour= directories as integers (partition key)",
  }),
];

export const level2Schema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.string('event_type', { dictionary: true, nullable: false, description: "'snapshot' or 'update'" }),
  col.bool('is_snapshot', { nullable: false }),
  col.string('side', { nullable: false, dictionary: true, description: "'bid' or 'offer', as sent" }),
  col.string('side_normalized', { nullable: false, dictionary: true, description: "'bid' or 'ask'" }),
  col.double('price_level', { nullable: false }),
  col.double('new_quantity', {
    nullable: false,
    description: 'new absolute size at the level; 0 deletes it',
  }),
  col.timestamp('event_time', 'ns'),
  ...common.slice(1),
  ...partitions,
]);

export const marketTradesSchema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.string('trade_id', { nullable: false }),
  col.double('price', { nullable: false }),
  col.double('size', { nullable: false }),
  col.string('side', {
    nullable: false,
    dictionary: true,
    description: "'BUY' or 'SELL' as sent; on Advanced Trade captures this is the maker side",
  }),
  col.timestamp('time', 'ns', { nullable: false }),
  ...common,
  ...partitions,
]);

export const tickerSchema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.string('ticker_type', { dictionary: true }),
  col.double('price'),
  col.double('volume_24h'),
  col.double('low_24h'),
  col.double('high_24h'),
  col.double('low_52w'),
  col.double('high_52w'),
  col.double('price_percent_chg_24h'),
  col.double('best_bid'),
  col.double('best_bid_quantity'),
  col.double('best_ask'),
  col.double('best_ask_quantity'),
  ...common,
  ...partitions,
]);

export const candlesSchema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.timestamp('start', 'ns', { nullable: false, description: 'candle start (UTC)' }),
  col.double('open'),
  col.double('high'),
  col.double('low'),
  col.double('close'),
  col.double('volume'),
  ...common,
  ...partitions,
]);
