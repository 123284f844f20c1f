import type { Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { at, controlRow, l2Message } from './__fixtures__/level2-session-rows.js';
import { parseLevel2Checkpoint } from './level2-checkpoint.js';
import type { Level2ProcessorOptions } from './level2-options.js';
import { Level2Processor } from './level2-processor.js';

const P = 'BTC-USD';
const isL2 = (r: Row): boolean => r.channel === 'l2_data';

/** A first segment: snapshot at seq 1, an update at seq 2; returns the JSON round-tripped state. */
function firstSegment(options: Level2ProcessorOptions = {}): unknown {
  const p = new Level2Processor(options);
  p.process([
    ...l2Message(
      P,
      1,
      at(0),
      [
        ['bid', 100, 1],
        ['bid', 99, 2],
        ['ask', 101, 1],
      ],
      true,
    ),
    ...l2Message(
      P,
      2,
      at(1),
      [
        ['bid', 100.5, 3],
        ['ask', 100.9, 2],
      ],
      false,
    ),
  ]);
  p.flush();
  return JSON.parse(JSON.stringify(p.checkpoint()));
}

function secondSegment(
  state: unknown,
  rows: Row[],
  options: Level2ProcessorOptions = {},
): { out: Row[]; p: Level2Processor } {
  const p = new Level2Processor(options);
  p.restore(state);
  const out = p.process(rows);
  out.push(...p.flush());
  return { out, p };
}

describe('Level2Processor checkpoints', () => {
  it('serialises books best first, validity, sequence state and the OFI top as JSON', () => {
    const state = firstSegment({ computeFeatures: true });
    expect(state).toEqual({
      version: 1,
      sequence: { lastSequence: '2', productsSeen: [P], productsSubscribed: [] },
      lastTime: String(at(1)),
      books: [
        {
          productId: P,
          valid: true,
          everValid: true,
          bids: [
            [100.5, 3],
            [100, 1],
            [99, 2],
          ],
          asks: [
            [100.9, 2],
            [101, 1],
          ],
          top: [100.5, 3, 100.9, 2],
        },
      ],
      bookSnapshots: null,
    });
    expect(parseLevel2Checkpoint(state)).toEqual(state);
  });

  it('continues the book when the next message is last + 1 (checkpoint_restored), OFI included', () => {
    const state = firstSegment({ computeFeatures: true });
    const { out, p } = secondSegment(state, l2Message(P, 3, at(2), [['ask', 100.9, 1]]), {
      computeFeatures: true,
    });
    expect(out[0]).toMatchObject({
      kind: 'checkpoint_restored',
      sequence_from: 2n,
      sequence_to: 3n,
      product_id: null,
    });
    // bid unchanged: 3 − 3 = 0; ask unchanged: −1 + 2 = 1
    expect(out[1]).toMatchObject({
      best_bid_price: 100.5,
      best_ask_price: 100.9,
      best_ask_size: 1,
      ofi: 1,
      book_valid: true,
    });
    expect(p.stats().counters.checkpoints_restored).toBe(1);
  });

  it('drops restored books when the sequence jumps (strict) or goes back (another connection)', () => {
    const state = firstSegment();
    const jump = secondSegment(state, l2Message(P, 9, at(2), [['ask', 100.9, 1]]));
    expect(jump.out[0]).toMatchObject({ kind: 'checkpoint_stale', sequence_from: 2n, sequence_to: 9n });
    expect(jump.out[0]!.detail).toBe(
      'sequence jumped from 2 to 9; restored books dropped until their next snapshot: BTC-USD',
    );
    expect(jump.out[1]).toMatchObject({ book_valid: false, best_bid_price: null });
    expect(jump.p.stats().counters).toMatchObject({ checkpoints_stale: 1, gaps: 0 });

    const back = secondSegment(state, [controlRow(0, at(2)), ...l2Message(P, 1, at(3), [['ask', 100.9, 1]])]);
    expect(back.out[0]!.detail).toContain('sequence went back from 2 to 0 (another connection)');
    expect(back.out.filter(isL2)[0]!.book_valid).toBe(false);
  });

  it("'auto' keeps restored books across an unverified jump of a filtered capture", () => {
    const p = new Level2Processor();
    p.process([
      controlRow(0, at(0), { level2: [P, 'ETH-USD'] }),
      ...l2Message(
        P,
        1,
        at(1),
        [
          ['bid', 100, 1],
          ['ask', 101, 1],
        ],
        true,
      ),
    ]);
    p.flush();
    const state = JSON.parse(JSON.stringify(p.checkpoint()));
    const { out } = secondSegment(state, l2Message(P, 4, at(2), [['ask', 100.9, 1]]));
    expect(out.map((r) => r.kind ?? r.book_valid)).toEqual([
      'checkpoint_restored',
      'sequence_jump_unverified',
      true,
    ]);
  });

  it("'off' trusts a forward sequence but not one that went back", () => {
    const state = firstSegment({ sequenceCheck: 'off' });
    const fwd = secondSegment(state, l2Message(P, 50, at(2), [['ask', 100.9, 1]]), { sequenceCheck: 'off' });
    expect(fwd.out.map((r) => r.kind ?? r.book_valid)).toEqual(['checkpoint_restored', true]);
    const back = secondSegment(state, l2Message(P, 1, at(2), [['ask', 100.9, 1]]), { sequenceCheck: 'off' });
    expect(back.out.map((r) => r.kind ?? r.book_valid)).toEqual(['checkpoint_stale', false]);
  });

  it('refuses to checkpoint while a message is held, and rejects malformed state', () => {
    const p = new Level2Processor();
    p.process(l2Message(P, 1, at(0), [['bid', 100, 1]], true));
    expect(() => p.checkpoint()).toThrow(/flush\(\) first/);
    expect(() => p.restore(firstSegment())).toThrow(/restore\(\) while a message is held/);
    expect(p.flush().length).toBe(1);
    expect(() => p.restore({ version: 2 })).toThrow(/level2 checkpoint: version 2 is not 1/);
    const state = firstSegment() as { books: { bids: unknown[] }[] };
    state.books[0]!.bids.push([Number.NaN, 1]);
    expect(() => p.restore(JSON.parse(JSON.stringify(state)))).toThrow(/bad level \[null,1\]/);
  });
});

describe('Level2Processor restored from a checkpoint of no input', () => {
  it('starts like a fresh instance: no checkpoint_stale row for a segment without level2 messages before it', () => {
    const empty = new Level2Processor();
    empty.flush();
    const state = JSON.parse(JSON.stringify(empty.checkpoint()));
    const rows = () =>
      l2Message(
        P,
        5,
        at(0),
        [
          ['bid', 100, 1],
          ['ask', 101, 1],
        ],
        true,
      );
    const fresh = new Level2Processor();
    const expected = [...fresh.process(rows()), ...fresh.flush()];
    const { out, p } = secondSegment(state, rows());
    expect(out.filter((r) => r.kind !== undefined)).toEqual([]);
    expect(out).toEqual(expected);
    expect(p.stats().counters).toMatchObject({ checkpoints_stale: 0 });
  });
});
