/**
 * Shapes of the rows {@link RawParser} emits (the row contract). They are plain objects at run
 * time (`Row` from @etl/core); these types are for code that reads them.
 */

/** Fields every data row carries. Timestamps are epoch nanoseconds (UTC). */
export type MessageFields = {
  /** `'snapshot'` or `'update'` as sent (null only where the exchange omits it). */
  readonly event_type: string | null;
  /** The message's `timestamp`. */
  readonly server_timestamp: bigint;
  /** The envelope's `capture_ts`; null for bare frames. */
  readonly capture_timestamp: bigint | null;
  readonly sequence_num: bigint | null;
  readonly client_id: string | null;
  /** Channel name as sent (`'l2_data'`, `'market_trades'`, `'ticker'`, `'ticker_batch'`, `'candles'`). */
  readonly channel: string;
  /** `'YYYY-MM-DD'` UTC date of the row's exchange time (partition key). */
  readonly date: string;
  /** `'0'`–`'23'` (unpadded) UTC hour of the row's exchange time (partition key). */
  readonly hour: string;
};

export type Level2Row = MessageFields & {
  readonly product_id: string;
  readonly event_type: 'snapshot' | 'update';
  readonly is_snapshot: boolean;
  /** As sent: `'bid'` or `'offer'`. */
  readonly side: string;
  readonly side_normalized: 'bid' | 'ask';
  readonly price_level: number;
  /** New absolute size at the level; 0 deletes it. */
  readonly new_quantity: number;
  readonly event_time: bigint | null;
};

export type MarketTradeRow = MessageFields & {
  readonly product_id: string;
  readonly trade_id: string;
  readonly price: number;
  readonly size: number;
  /** As sent, `'BUY'` or `'SELL'`: the maker side on Advanced Trade (see the README). */
  readonly side: string;
  readonly time: bigint;
};

export type TickerRow = MessageFields & {
  readonly product_id: string;
  readonly ticker_type: string | null;
  readonly price: number | null;
  readonly volume_24h: number | null;
  readonly low_24h: number | null;
  readonly high_24h: number | null;
  readonly low_52w: number | null;
  readonly high_52w: number | null;
  readonly price_percent_chg_24h: number | null;
  readonly best_bid: number | null;
  readonly best_bid_quantity: number | null;
  readonly best_ask: number | null;
  readonly best_ask_quantity: number | null;
};

export type CandleRow = MessageFields & {
  readonly product_id: string;
  readonly start: bigint;
  readonly open: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly close: number | null;
  readonly volume: number | null;
};

/** Channel value of control rows. */
export const CONTROL_CHANNEL = '_sequence';

/**
 * One per message that yields no data row, so downstream processors see every `sequence_num` in
 * wire order. Never written to a dataset.
 */
export type ControlRow = {
  readonly channel: typeof CONTROL_CHANNEL;
  /** The message's channel (`'heartbeats'`, `'subscriptions'`, `'status'`, `'error'`, ...). */
  readonly source_channel: string;
  readonly sequence_num: bigint | null;
  readonly server_timestamp: bigint | null;
  readonly capture_timestamp: bigint | null;
  /** subscriptions only: channel → product ids of the acknowledgement. */
  readonly subscriptions?: Readonly<Record<string, readonly string[]>>;
  /** heartbeats only: the server clock, ns (null when unreadable). */
  readonly current_time?: bigint | null;
  /** heartbeats only: the server's uptime in seconds (not a per-connection count). */
  readonly heartbeat_counter?: bigint | null;
  /** errors only: the exchange's message. */
  readonly message?: string | null;
  /**
   * l2_data only, when the message lost level2 entries (quarantined with their reasons): the
   * products whose books missed them, null for an entry whose product is unknown. The row comes
   * right after the message's rows, with its sequence number and timestamp.
   */
  readonly level2_lost?: readonly (string | null)[];
};
