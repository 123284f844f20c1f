/**
 * Per-message values shared by every row of one message, plus the reasons why parts of it were
 * rejected. One instance lives as long as its parser and is reset for each message, so the
 * per-message work (timestamp parse, bigint of the sequence number) is done once per message.
 */
import { type Level2RowFactory, level2Row } from './level2-row-factory.js';
import { TimestampCache } from './timestamp-cache.js';

/** At most this many reasons are kept per message; the rest are only counted. */
const MAX_REASONS = 10;

export class MessageContext {
  file = '';
  line = 0;
  /** Channel name as sent. */
  channel = '';
  /** The message's timestamp (ns), with its partition keys. */
  readonly server = new TimestampCache();
  captureTimestamp: bigint | null = null;
  sequenceNum: bigint | null = null;
  clientId: string | null = null;
  /** Builds level2 rows (with the parser's extra level2 columns). */
  level2Row: Level2RowFactory = level2Row;
  /** Per-field caches: rows of one message (and consecutive messages) repeat these strings. */
  readonly eventTime = new TimestampCache();
  readonly tradeTime = new TimestampCache();
  readonly candleStart = new TimestampCache();
  /** Reasons for the rejected parts of the current message. */
  readonly reasons: string[] = [];
  /** Rejected parts beyond {@link MAX_REASONS}. */
  moreReasons = 0;
  /** Entries (level2 updates, trades, tickers, candles) dropped from the current message. */
  droppedEntries = 0;
  /**
   * Products whose level2 entries were dropped from the current message (null: an entry whose
   * product is unknown). Their books missed an update, which the order book must learn.
   */
  readonly droppedLevel2: (string | null)[] = [];

  begin(file: string, line: number): void {
    this.file = file;
    this.line = line;
    this.channel = '';
    this.captureTimestamp = null;
    this.sequenceNum = null;
    this.clientId = null;
    this.reasons.length = 0;
    this.moreReasons = 0;
    this.droppedEntries = 0;
    this.droppedLevel2.length = 0;
  }

  /** Records why a part of the message was rejected (kept or dropped is the caller's choice). */
  reject(reason: string): void {
    if (this.reasons.length < MAX_REASONS) this.reasons.push(reason);
    else this.moreReasons++;
  }

  /** Records a rejected entry that yields no row. */
  drop(reason: string): void {
    this.droppedEntries++;
    this.reject(reason);
  }

  /** Records a dropped level2 entry of `productId` (null when unknown). */
  dropLevel2(productId: string | null, reason: string): void {
    this.drop(reason);
    this.lostLevel2(productId);
  }

  /** Records that the book of `productId` (null: of an unknown product) missed an entry. */
  lostLevel2(productId: string | null): void {
    if (!this.droppedLevel2.includes(productId)) this.droppedLevel2.push(productId);
  }

  /** All reasons as one line. */
  describe(): string {
    const text = this.reasons.join('; ');
    return this.moreReasons > 0 ? `${text}; and ${this.moreReasons} more` : text;
  }
}

/** Short, printable rendering of a bad value for a reason text. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
