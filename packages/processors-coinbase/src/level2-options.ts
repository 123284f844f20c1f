/** Options of {@link Level2Processor}; the README's options table explains each. */
import type { Logger, QuarantineSink } from '@etl/core';
import type { CrossedPolicy } from './crossed-book.js';
import type { SequenceCheck } from './sequence-tracker.js';

export interface Level2ProcessorOptions {
  /** Rebuild books and stamp book columns (default true). Off: rows pass, sequences are still checked. */
  readonly reconstructLob?: boolean;
  /** microprice, imbalance_l1, ofi and depth columns (default true, or false without reconstructLob). */
  readonly computeFeatures?: boolean;
  /** mid_price, spread, spread_bps (default true). */
  readonly addDerivedFields?: boolean;
  /** `bid_depth_<n>`/`ask_depth_<n>` for each n (default [10]). */
  readonly depthLevels?: readonly number[];
  /** `bid_depth_<x>bps`/`ask_depth_<x>bps` for each x (default [10]). */
  readonly depthBps?: readonly number[];
  /** What to do with a crossed book after a message (default 'remove-stale'). */
  readonly crossedPolicy?: CrossedPolicy;
  /** How sequence_num jumps are judged (default 'auto'). */
  readonly sequenceCheck?: SequenceCheck;
  /** Stamp market_trades rows with their product's top of book (default false). */
  readonly annotateTrades?: boolean;
  /** Emit `book_snapshot_<depth>_<interval>` rows. */
  readonly bookSnapshots?: { readonly depth: number; readonly intervalMs: number };
  /**
   * The caller guarantees that no message is split across `process` calls, so the last message
   * of a batch need not be held until the next batch (default false).
   */
  readonly messagesEndAtBatchEnd?: boolean;
  readonly logger?: Logger;
  /** Where unusable level2 rows go (they are also counted as errors). */
  readonly quarantine?: QuarantineSink;
  /** Name used for quarantined rows' `file` (rows carry no file name). */
  readonly inputName?: string;
}
