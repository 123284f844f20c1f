/**
 * Follows Coinbase's `sequence_num`: one counter per WebSocket connection shared by every channel,
 * control frames included. It classifies each new message number so the level2 processor knows
 * when its books can no longer be trusted. The reasoning behind 'auto' is in the README.
 */
import { EtlError } from '@etl/core';

/**
 * 'strict': every forward jump is a gap. 'off': numbers are not checked (Parquet reprocessing,
 * where control rows are gone). 'auto': strict, except while the connection's subscription acks
 * name products that no data row of the connection has shown: the capture was evidently filtered
 * by product, so a jump is recorded as unverified and does not invalidate books.
 */
export type SequenceCheck = 'auto' | 'strict' | 'off';

/**
 * What a message's number says: 'first' (nothing to compare with), 'ok' (last + 1), 'repeat'
 * (same number again), 'gap' (jump forward), 'unverified' (jump forward in a filtered capture),
 * 'reconnect' (the counter went back: a new connection), 'unchecked' (mode 'off').
 */
export type SequenceVerdict = 'first' | 'ok' | 'repeat' | 'gap' | 'unverified' | 'reconnect' | 'unchecked';

/** JSON form of the tracker (bigints as decimal strings). */
export interface SequenceTrackerState {
  readonly lastSequence: string | null;
  readonly productsSeen: readonly string[];
  readonly productsSubscribed: readonly string[];
}

/** Ack channels whose product ids show up in data rows; others (heartbeats, status, user) do not. */
const DATA_CHANNELS: ReadonlySet<string> = new Set([
  'level2',
  'l2_data',
  'level2_batch',
  'market_trades',
  'ticker',
  'ticker_batch',
  'candles',
]);

export class SequenceTracker {
  private last: bigint | null = null;
  private previous: bigint | null = null;
  private readonly seen = new Set<string>();
  private subscribed = new Set<string>();
  /** Subscribed products not seen yet; > 0 means the capture looks filtered. */
  private unseen = 0;
  private lastProduct = '';

  constructor(readonly mode: SequenceCheck = 'auto') {
    if (mode !== 'auto' && mode !== 'strict' && mode !== 'off') {
      throw new EtlError(`sequenceCheck must be 'auto', 'strict' or 'off', got ${String(mode)}`, 'E_CONFIG');
    }
  }

  /** The number of the latest message (null before the first). */
  lastSequence(): bigint | null {
    return this.last;
  }

  /** The number before the latest message: the start of a jump just reported. */
  previousSequence(): bigint | null {
    return this.previous;
  }

  /**
   * Classifies the number of a new message and makes it the latest. `subscriptions` is the ack's
   * `{channel: [product ids]}` when the message is a `subscriptions` ack; it counts as evidence for
   * this very message, since Coinbase may acknowledge after the data it acknowledges.
   */
  observe(sequence: bigint, subscriptions?: unknown): SequenceVerdict {
    const last = this.last;
    this.previous = last;
    this.last = sequence;
    if (this.mode === 'off') return 'unchecked';
    let verdict: SequenceVerdict;
    if (last === null) verdict = 'first';
    else if (sequence === last + 1n) verdict = 'ok';
    else if (sequence === last) verdict = 'repeat';
    else if (sequence < last) verdict = 'reconnect';
    else verdict = 'gap';
    if (verdict === 'reconnect') this.resetConnection();
    if (subscriptions !== undefined && subscriptions !== null) this.acknowledge(subscriptions);
    if (verdict === 'gap' && this.mode === 'auto' && this.unseen > 0) verdict = 'unverified';
    return verdict;
  }

  /** Notes a product id seen in a data row of the current connection. */
  seeProduct(productId: string): void {
    if (productId === this.lastProduct) return;
    this.lastProduct = productId;
    if (this.seen.has(productId)) return;
    this.seen.add(productId);
    if (this.subscribed.has(productId)) this.unseen--;
  }

  /** True while 'auto' would treat a jump as unverified. */
  looksFiltered(): boolean {
    return this.mode === 'auto' && this.unseen > 0;
  }

  /** Subscribed products that no data row has shown (for quality details). */
  unseenProducts(): string[] {
    const out: string[] = [];
    for (const p of this.subscribed) if (!this.seen.has(p)) out.push(p);
    return out;
  }

  /** Forgets the connection: the next number is 'first'. */
  reset(): void {
    this.last = null;
    this.previous = null;
    this.resetConnection();
  }

  private resetConnection(): void {
    this.seen.clear();
    this.subscribed = new Set();
    this.unseen = 0;
    this.lastProduct = '';
  }

  /** Acks are cumulative: the latest one is the connection's whole subscription. */
  private acknowledge(subscriptions: unknown): void {
    if (typeof subscriptions !== 'object' || subscriptions === null) return;
    const next = new Set<string>();
    for (const [channel, products] of Object.entries(subscriptions as Record<string, unknown>)) {
      if (!DATA_CHANNELS.has(channel) || !Array.isArray(products)) continue;
      for (const p of products) if (typeof p === 'string' && p) next.add(p);
    }
    this.subscribed = next;
    let unseen = 0;
    for (const p of next) if (!this.seen.has(p)) unseen++;
    this.unseen = unseen;
  }

  checkpoint(): SequenceTrackerState {
    return {
      lastSequence: this.last === null ? null : this.last.toString(),
      productsSeen: [...this.seen],
      productsSubscribed: [...this.subscribed],
    };
  }

  restore(state: SequenceTrackerState): void {
    if (!state || typeof state !== 'object')
      throw new EtlError('sequence tracker state must be an object', 'E_CHECKPOINT');
    const { lastSequence, productsSeen, productsSubscribed } = state;
    if (lastSequence !== null && (typeof lastSequence !== 'string' || !/^-?\d+$/.test(lastSequence))) {
      throw new EtlError(
        `sequence tracker state: bad lastSequence ${JSON.stringify(lastSequence)}`,
        'E_CHECKPOINT',
      );
    }
    if (!Array.isArray(productsSeen) || !Array.isArray(productsSubscribed)) {
      throw new EtlError(
        'sequence tracker state: productsSeen and productsSubscribed must be arrays',
        'E_CHECKPOINT',
      );
    }
    this.reset();
    this.last = lastSequence === null ? null : BigInt(lastSequence);
    for (const p of productsSeen) if (typeof p === 'string') this.seen.add(p);
    const subscriptions: Record<string, string[]> = {
      level2: productsSubscribed.filter((p) => typeof p === 'string'),
    };
    this.acknowledge(subscriptions);
  }
}
