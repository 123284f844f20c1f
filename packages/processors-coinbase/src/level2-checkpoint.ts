/**
 * The JSON form of a Level2Processor's state between inputs (segments): books, validity, the
 * sequence tracker and the previous top of book for OFI. Bigints travel as decimal strings.
 */
import { EtlError } from '@etl/core';
import type { BookSnapshotState } from './book-snapshot-processor.js';
import type { PriceLevel } from './order-book.js';
import type { SequenceTrackerState } from './sequence-tracker.js';

export const LEVEL2_CHECKPOINT_VERSION = 1;

export interface BookCheckpoint {
  readonly productId: string;
  readonly valid: boolean;
  readonly everValid: boolean;
  /** Best first; empty for an invalid book (its levels mean nothing). */
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  /** Previous message's [bidPrice, bidSize, askPrice, askSize] for OFI; null entries for an empty side. */
  readonly top: readonly (number | null)[] | null;
}

export interface Level2Checkpoint {
  readonly version: number;
  readonly sequence: SequenceTrackerState;
  /** Server time of the last message (ns, decimal string). */
  readonly lastTime: string | null;
  readonly books: readonly BookCheckpoint[];
  readonly bookSnapshots: BookSnapshotState | null;
}

function fail(reason: string): never {
  throw new EtlError(`level2 checkpoint: ${reason}`, 'E_CHECKPOINT');
}

function checkLevels(levels: unknown, where: string): PriceLevel[] {
  if (!Array.isArray(levels)) fail(`${where} must be an array of [price, size]`);
  for (const level of levels) {
    if (!Array.isArray(level) || level.length !== 2) fail(`${where} must hold [price, size] pairs`);
    const [price, size] = level as unknown[];
    if (typeof price !== 'number' || !(price > 0) || typeof size !== 'number' || !(size > 0)) {
      fail(`${where} has a bad level ${JSON.stringify(level)}`);
    }
  }
  return levels as PriceLevel[];
}

/** Validates what `JSON.parse` gave back; throws an `E_CHECKPOINT` error naming the problem. */
export function parseLevel2Checkpoint(state: unknown): Level2Checkpoint {
  if (!state || typeof state !== 'object') fail('expected an object');
  const s = state as Partial<Level2Checkpoint>;
  if (s.version !== LEVEL2_CHECKPOINT_VERSION) {
    fail(`version ${String(s.version)} is not ${LEVEL2_CHECKPOINT_VERSION}`);
  }
  if (!s.sequence || typeof s.sequence !== 'object') fail('sequence state missing');
  if (s.lastTime !== null && (typeof s.lastTime !== 'string' || !/^-?\d+$/.test(s.lastTime))) {
    fail(`bad lastTime ${JSON.stringify(s.lastTime)}`);
  }
  if (!Array.isArray(s.books)) fail('books must be an array');
  for (const b of s.books as unknown[]) {
    const book = b as Partial<BookCheckpoint>;
    if (!book || typeof book.productId !== 'string' || !book.productId) fail('a book has no productId');
    if (typeof book.valid !== 'boolean' || typeof book.everValid !== 'boolean') {
      fail(`book ${book.productId}: valid and everValid must be booleans`);
    }
    checkLevels(book.bids, `book ${book.productId} bids`);
    checkLevels(book.asks, `book ${book.productId} asks`);
    const top = book.top;
    if (
      top !== null &&
      (!Array.isArray(top) || top.length !== 4 || top.some((v) => v !== null && typeof v !== 'number'))
    ) {
      fail(`book ${book.productId}: top must be null or 4 numbers`);
    }
  }
  return s as Level2Checkpoint;
}
