/**
 * Decides, message by message, whether the books can still be trusted given the connection's
 * `sequence_num`, and records why in `quality` rows: gaps and reconnects invalidate every book
 * until its next snapshot, unverified jumps (a product-filtered capture) do not, and the first
 * numbered message after a checkpoint restore either continues the restored books or drops them.
 */
import type { Logger, Row } from '@etl/core';
import type { ProductBook } from './product-book.js';
import { type QualityEvent, qualityRow } from './quality.js';
import {
  type SequenceCheck,
  SequenceTracker,
  type SequenceTrackerState,
  type SequenceVerdict,
} from './sequence-tracker.js';

export class BookContinuity {
  readonly tracker: SequenceTracker;
  readonly counts = {
    gaps: 0,
    reconnects: 0,
    sequence_jumps_unverified: 0,
    checkpoints_restored: 0,
    checkpoints_stale: 0,
  };
  private restorePending = false;
  private out: Row[] = [];
  private pushed = 0;

  constructor(
    mode: SequenceCheck,
    private readonly logger: Logger,
  ) {
    this.tracker = new SequenceTracker(mode);
  }

  /**
   * Continues a checkpointed connection; the next numbered message decides the restored books'
   * fate. A checkpoint of no input (no sequence number, no book) is a fresh start: there is
   * nothing to continue or drop, so nothing to report.
   */
  restore(state: SequenceTrackerState, hasBooks: boolean): void {
    this.tracker.restore(state);
    this.restorePending = state.lastSequence !== null || hasBooks;
  }

  /**
   * Checks the number of a new message (`ack`: a subscriptions ack's `{channel: products}`).
   * `timeFrom` is the server time of the message before. Returns how many quality rows it pushed.
   */
  onMessage(
    sequence: bigint,
    ack: unknown,
    timeFrom: bigint | null,
    time: bigint | null,
    books: ReadonlyMap<string, ProductBook>,
    out: Row[],
  ): number {
    const verdict = this.tracker.observe(sequence, ack);
    if (
      !this.restorePending &&
      (verdict === 'ok' || verdict === 'first' || verdict === 'repeat' || verdict === 'unchecked')
    ) {
      return 0;
    }
    this.out = out;
    this.pushed = 0;
    if (this.restorePending) this.resolveRestore(verdict, sequence, timeFrom, time, books);
    else this.onJump(verdict, sequence, timeFrom, time, books);
    return this.pushed;
  }

  private emit(event: QualityEvent): void {
    this.out.push(qualityRow(event));
    this.pushed++;
  }

  private onJump(
    verdict: SequenceVerdict,
    seq: bigint,
    timeFrom: bigint | null,
    timeTo: bigint | null,
    books: ReadonlyMap<string, ProductBook>,
  ): void {
    const prev = this.tracker.previousSequence()!;
    const missing = seq - prev - 1n;
    const base = { productId: null, timeFrom, timeTo };
    if (verdict === 'unverified') {
      this.counts.sequence_jumps_unverified++;
      const unseen = this.tracker.unseenProducts().join(', ');
      this.emit({
        ...base,
        kind: 'sequence_jump_unverified',
        sequenceFrom: prev + 1n,
        sequenceTo: seq - 1n,
        detail: `${missing} sequence number(s) absent; the capture looks product-filtered (subscribed, never seen: ${unseen}), so books stay valid`,
      });
      return;
    }
    const dropped = invalidateAll(books);
    const what = dropped.length
      ? `books invalid until their next snapshot: ${dropped.join(', ')}`
      : 'no valid book';
    if (verdict === 'gap') {
      this.counts.gaps++;
      const detail = `${missing} message(s) missed; ${what}`;
      this.emit({ ...base, kind: 'gap', sequenceFrom: prev + 1n, sequenceTo: seq - 1n, detail });
      this.logger.warn('level2: sequence gap', { from: String(prev), to: String(seq), invalidated: dropped });
    } else {
      this.counts.reconnects++;
      const detail = `sequence went back from ${prev} to ${seq} (new connection); ${what}`;
      this.emit({ ...base, kind: 'reconnect', sequenceFrom: prev, sequenceTo: seq, detail });
      this.logger.info('level2: reconnect', { from: String(prev), to: String(seq) });
    }
  }

  private resolveRestore(
    verdict: SequenceVerdict,
    seq: bigint,
    timeFrom: bigint | null,
    timeTo: bigint | null,
    books: ReadonlyMap<string, ProductBook>,
  ): void {
    this.restorePending = false;
    const prev = this.tracker.previousSequence();
    const continues =
      verdict === 'ok' ||
      verdict === 'repeat' ||
      verdict === 'unverified' ||
      // 'off' checks nothing, but a counter that went back is another connection for sure.
      (verdict === 'unchecked' && (prev === null || seq > prev));
    const valid = [...books.values()].filter((p) => p.valid).map((p) => p.productId);
    const list = valid.join(', ') || 'none valid';
    const base = { productId: null, sequenceFrom: prev, sequenceTo: seq, timeFrom, timeTo };
    if (continues) {
      this.counts.checkpoints_restored++;
      const how = prev === null ? `unchecked (sequenceCheck 'off')` : `${prev} → ${seq}`;
      this.emit({ ...base, kind: 'checkpoint_restored', detail: `sequence ${how}; books continue: ${list}` });
      if (verdict === 'unverified') this.onJump(verdict, seq, timeFrom, timeTo, books);
      return;
    }
    this.counts.checkpoints_stale++;
    invalidateAll(books);
    const why =
      prev === null
        ? 'the checkpoint has no sequence number to continue from'
        : seq < prev
          ? `sequence went back from ${prev} to ${seq} (another connection)`
          : `sequence jumped from ${prev} to ${seq}`;
    this.emit({
      ...base,
      kind: 'checkpoint_stale',
      detail: `${why}; restored books dropped until their next snapshot: ${list}`,
    });
    this.logger.warn('level2: stale checkpoint', { why });
  }
}

/** Marks every book invalid; returns the products whose book was valid. */
function invalidateAll(books: ReadonlyMap<string, ProductBook>): string[] {
  const dropped: string[] = [];
  for (const p of books.values()) {
    if (p.valid) dropped.push(p.productId);
    p.invalidate();
  }
  return dropped;
}
