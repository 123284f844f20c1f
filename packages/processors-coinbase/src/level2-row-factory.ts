/**
 * How level2 rows are built. The only place such a row is made, so the JSON path
 * (`pushLevel2Rows`) and the scanned fast path (`pushScannedLevel2Rows`) make rows of one shape.
 *
 * A later stage may add columns to every level2 row (the order book's ~15 columns). Adding that
 * many properties to an object literal makes V8 reallocate its out-of-object property store
 * several times per row; a row created with those columns already present (null) takes the
 * values as plain stores. `compileLevel2RowFactory` makes such rows: ~6 % off a full segment run.
 */
import { ConfigError } from '@etl/core';
import type { MessageContext } from './message-context.js';
import type { Level2Row } from './rows.js';

export type Level2RowFactory = (
  ctx: MessageContext,
  productId: string,
  type: 'snapshot' | 'update',
  side: string,
  sideNormalized: 'bid' | 'ask',
  price: number,
  quantity: number,
  eventTime: bigint | null,
  date: string,
  hour: string,
) => Level2Row;

export const level2Row: Level2RowFactory = (
  ctx,
  productId,
  type,
  side,
  sideNormalized,
  price,
  quantity,
  eventTime,
  date,
  hour,
) => ({
  product_id: productId,
  event_type: type,
  is_snapshot: type === 'snapshot',
  side,
  side_normalized: sideNormalized,
  price_level: price,
  new_quantity: quantity,
  event_time: eventTime,
  server_timestamp: ctx.server.ns,
  capture_timestamp: ctx.captureTimestamp,
  sequence_num: ctx.sequenceNum,
  client_id: ctx.clientId,
  channel: ctx.channel,
  date,
  hour,
});

/** The columns {@link level2Row} makes (a test keeps this list and the literal in step). */
export const LEVEL2_ROW_COLUMNS: readonly string[] = [
  'product_id',
  'event_type',
  'is_snapshot',
  'side',
  'side_normalized',
  'price_level',
  'new_quantity',
  'event_time',
  'server_timestamp',
  'capture_timestamp',
  'sequence_num',
  'client_id',
  'channel',
  'date',
  'hour',
];
const BASE_COLUMNS = new Set(LEVEL2_ROW_COLUMNS);
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A factory of level2 rows that also hold `extraColumns` (null until a later stage sets them).
 * Names are embedded as identifiers, so each must be a plain identifier; base columns are skipped.
 */
export function compileLevel2RowFactory(extraColumns: readonly string[]): Level2RowFactory {
  const extra = [...new Set(extraColumns)].filter((name) => !BASE_COLUMNS.has(name));
  if (extra.length === 0) return level2Row;
  for (const name of extra) {
    // `__proto__: null` in a literal would set the prototype, not a column.
    if (!COLUMN_NAME.test(name) || name === '__proto__')
      throw new ConfigError('level2Columns', `not a plain column name: ${JSON.stringify(name)}`);
  }
  const body = `return {
    product_id: productId, event_type: type, is_snapshot: type === 'snapshot', side,
    side_normalized: sideNormalized, price_level: price, new_quantity: quantity, event_time: eventTime,
    server_timestamp: ctx.server.ns, capture_timestamp: ctx.captureTimestamp,
    sequence_num: ctx.sequenceNum, client_id: ctx.clientId, channel: ctx.channel, date, hour,
    ${extra.map((name) => `${name}: null`).join(', ')}
  };
  //# sourceURL=level2-row-factory.js`;
  return new Function(
    'ctx',
    'productId',
    'type',
    'side',
    'sideNormalized',
    'price',
    'quantity',
    'eventTime',
    'date',
    'hour',
    body,
  ) as Level2RowFactory;
}
