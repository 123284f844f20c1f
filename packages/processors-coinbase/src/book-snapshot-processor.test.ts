import type { Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { at, controlRow, l2Message, tradeRow } from './__fixtures__/level2-session-rows.js';
import {
  BookSnapshotSampler,
  bookSnapshotChannel,
  bookSnapshotSchema,
  formatInterval,
} from './book-snapshot-processor.js';
import { Level2Processor } from './level2-processor.js';
import { OrderBook } from './order-book.js';

const CHANNEL = 'book_snapshot_2_1s';
const samples = (out: Row[]): Row[] => out.filter((r) => r.channel === CHANNEL);
/** [boundary ms after T0, product, book_valid, bid_0_price, ask_0_price, bid_1_price, ask_1_price] */
const summary = (r: Row): unknown[] => [
  Number(((r.timestamp as bigint) - at(0)) / 1_000_000n),
  r.product_id,
  r.book_valid,
  r.bid_0_price,
  r.ask_0_price,
  r.bid_1_price,
  r.ask_1_price,
];

describe('book snapshot naming and schema', () => {
  it('formats intervals with the largest unit that divides them', () => {
    expect([100, 1000, 1500, 60_000, 90_000, 3_600_000].map(formatInterval)).toEqual([
      '100ms',
      '1s',
      '1500ms',
      '1m',
      '90s',
      '1h',
    ]);
    expect(bookSnapshotChannel(10, 100)).toBe('book_snapshot_10_100ms');
  });

  it('declares timestamp, product, depth × 4 level columns, book_valid and partitions', () => {
    expect(bookSnapshotSchema(2).fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'timestamp:timestamp',
      'product_id:string',
      'bid_0_price:double',
      'bid_0_size:double',
      'ask_0_price:double',
      'ask_0_size:double',
      'bid_1_price:double',
      'bid_1_size:double',
      'ask_1_price:double',
      'ask_1_size:double',
      'book_valid:bool',
      'channel:string',
      'date:date',
      'hour:string',
    ]);
    expect(() => bookSnapshotSchema(0)).toThrow(/depth/);
    expect(() => new BookSnapshotSampler({ depth: 1, intervalMs: 0.5 })).toThrow(/intervalMs/);
  });
});

describe('book snapshots from Level2Processor', () => {
  it('samples the book after the last message strictly before each boundary', () => {
    const rows = [
      tradeRow('BTC-USD', 1, at(200), 100, 1, 'BUY'), // no book yet: the first boundary is 1000
      ...l2Message(
        'BTC-USD',
        2,
        at(500),
        [
          ['bid', 100, 1],
          ['ask', 101, 1],
        ],
        true,
      ),
      ...l2Message('BTC-USD', 3, at(900), [['bid', 100.5, 2]]),
      ...l2Message('BTC-USD', 4, at(1000), [['ask', 100.8, 1]]), // exactly on 1000: not part of that row
      controlRow(5, at(3500)), // crosses 2000 and 3000 in one step
      ...l2Message('BTC-USD', 7, at(3700), [['bid', 100.6, 1]]), // seq 6 missing: invalid
      ...l2Message(
        'ETH-USD',
        8,
        at(4100),
        [
          ['bid', 10, 1],
          ['ask', 11, 1],
        ],
        true,
      ),
      controlRow(9, at(4200)),
      controlRow(10, at(5000.5)),
    ];
    const p = new Level2Processor({ bookSnapshots: { depth: 2, intervalMs: 1000 }, sequenceCheck: 'strict' });
    const out = [...p.process(rows), ...p.flush()];
    expect(samples(out).map(summary)).toEqual([
      [1000, 'BTC-USD', true, 100.5, 101, 100, null],
      [2000, 'BTC-USD', true, 100.5, 100.8, 100, 101],
      [3000, 'BTC-USD', true, 100.5, 100.8, 100, 101],
      [4000, 'BTC-USD', false, null, null, null, null],
      [5000, 'BTC-USD', false, null, null, null, null],
      [5000, 'ETH-USD', true, 10, 11, null, null], // no ETH rows before its first valid book
    ]);
    const first = samples(out)[0]!;
    expect(Object.keys(first)).toEqual(bookSnapshotSchema(2).fields.map((f) => f.name));
    expect(first).toMatchObject({
      bid_0_size: 2,
      ask_0_size: 1,
      bid_1_size: 1,
      date: '2026-08-09',
      hour: '21',
    });
    expect(p.stats().counters.book_snapshot_rows).toBe(6);
    // Rows of a boundary come before the message that crossed it.
    const at1000 = out.indexOf(first);
    expect(out[at1000 + 1]!.sequence_num).toBe(4n);
  });

  it('continues the boundary grid across a checkpoint', () => {
    const options = { bookSnapshots: { depth: 2, intervalMs: 1000 } } as const;
    const p = new Level2Processor(options);
    p.process(
      l2Message(
        'BTC-USD',
        1,
        at(500),
        [
          ['bid', 100, 1],
          ['ask', 101, 1],
        ],
        true,
      ),
    );
    p.flush();
    const state = JSON.parse(JSON.stringify(p.checkpoint()));
    expect(state.bookSnapshots).toEqual({ intervalMs: 1000, nextBoundary: String(at(1000)) });
    const q = new Level2Processor(options);
    q.restore(state);
    const out = [...q.process([controlRow(2, at(2100))]), ...q.flush()];
    expect(samples(out).map(summary)).toEqual([
      [1000, 'BTC-USD', true, 100, 101, null, null],
      [2000, 'BTC-USD', true, 100, 101, null, null],
    ]);
  });

  it('the sampler alone: first call only sets the grid', () => {
    const s = new BookSnapshotSampler({ depth: 1, intervalMs: 100 });
    const book = new OrderBook();
    book.applySnapshot({ bids: [[5, 1]], asks: [[6, 2]] });
    const sources = new Map([['X', { productId: 'X', book, valid: true, everValid: true }]]);
    const out: Row[] = [];
    expect(s.advance(at(250), sources, out)).toBe(0);
    expect(s.advance(at(299), sources, out)).toBe(0);
    expect(s.advance(at(520), sources, out)).toBe(3); // 300, 400, 500
    expect(
      out.map((r) => [Number(((r.timestamp as bigint) - at(0)) / 1_000_000n), r.bid_0_price, r.ask_0_size]),
    ).toEqual([
      [300, 5, 2],
      [400, 5, 2],
      [500, 5, 2],
    ]);
    expect(out[0]!.channel).toBe('book_snapshot_1_100ms');
  });
});
