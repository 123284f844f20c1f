/** What happens when a message leaves a book crossed (best bid >= best ask). */
import { EtlError, type Row } from '@etl/core';
import { sideOf } from './level2-rows.js';
import type { ProductBook } from './product-book.js';

/**
 * 'keep': count and report only. 'remove-stale' (as tardis-node): remove the levels of the side
 * this message did not update that cross the side it did. 'invalidate': the book is untrusted
 * until its next snapshot. 'fail': throw.
 */
export type CrossedPolicy = 'keep' | 'remove-stale' | 'invalidate' | 'fail';

export const CROSSED_POLICIES: readonly CrossedPolicy[] = ['keep', 'remove-stale', 'invalidate', 'fail'];

/**
 * Applies `policy` to a crossed book after the message `rows` (`snapshot`: the message replaced
 * the book). Returns the quality detail and how many levels were removed.
 */
export function handleCrossedBook(
  st: ProductBook,
  policy: CrossedPolicy,
  rows: readonly Row[],
  snapshot: boolean,
  sequence: bigint | null,
): { detail: string; removed: number } {
  const bid = st.book.bestPrice('bid');
  const ask = st.book.bestPrice('ask');
  const what = `best bid ${bid} >= best ask ${ask}`;
  switch (policy) {
    case 'keep':
      return { detail: `${what}; kept`, removed: 0 };
    case 'remove-stale': {
      // If this message set the best ask, the bids crossing it are the stale ones, and vice versa.
      const stale = snapshot || setsLevel(rows, 'ask', ask) ? 'bid' : 'ask';
      const removed = st.book.removeCrossing(stale);
      return { detail: `${what}; removed ${removed} stale ${stale} level(s)`, removed };
    }
    case 'invalidate':
      st.invalidate();
      return { detail: `${what}; book invalid until the next snapshot`, removed: 0 };
    case 'fail':
      throw new EtlError(
        `level2: crossed book for ${st.productId} after sequence ${String(sequence)}: ${what}`,
        'E_CROSSED_BOOK',
      );
  }
}

function setsLevel(rows: readonly Row[], side: 'bid' | 'ask', price: number): boolean {
  for (const row of rows) if (row.price_level === price && sideOf(row) === side) return true;
  return false;
}
