import type { Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { record } from './__fixtures__/fixture-records.js';
import { ExchangeFeedParser } from './exchange-feed-parser.js';
import { Level2Processor } from './level2-processor.js';
import { RawParser } from './raw-parser.js';

/** An l2_data frame at second `s` with one event per [product, type, updates]. */
function frame(seq: number, events: [unknown, string, unknown[]][]): Record<string, unknown> {
  return {
    channel: 'l2_data',
    timestamp: `2026-08-09T21:05:${String(seq).padStart(2, '0')}Z`,
    sequence_num: seq,
    events: events.map(([product_id, type, updates]) => ({ type, product_id, updates })),
  };
}

const level = (side: string, price: string, size: string) => ({
  side,
  event_time: '2026-08-09T21:05:00Z',
  price_level: price,
  new_quantity: size,
});

const book = [level('bid', '100', '1'), level('bid', '99', '2'), level('offer', '101', '1')];

/** RawParser → Level2Processor over the frames, one record per frame. */
function run(frames: Record<string, unknown>[]): Row[] {
  const parser = new RawParser({ source: 'coinbase' });
  const l2 = new Level2Processor();
  const out = l2.process(parser.process(frames.map((f, i) => record(f, i + 1))));
  return [...out, ...l2.flush()];
}

/** book_valid of each level2 message, by product and sequence number. */
function validity(out: Row[]): string[] {
  const seen = new Set<string>();
  for (const r of out) {
    if (r.channel === 'l2_data') seen.add(`${r.product_id}@${r.sequence_num}:${r.book_valid}`);
  }
  return [...seen];
}

describe('Level2Processor and level2 entries the parser dropped', () => {
  it('invalidates only the book that missed an entry, from that message to its next snapshot', () => {
    const out = run([
      frame(1, [['BTC-USD', 'snapshot', book]]),
      frame(2, [['ETH-USD', 'snapshot', book]]),
      // One good entry and one bad price: the good row is kept, the book missed the other.
      frame(3, [['BTC-USD', 'update', [level('bid', '100.5', '3'), level('bid', 'NaN', '1')]]]),
      frame(4, [['BTC-USD', 'update', [level('offer', '101', '0.5')]]]),
      frame(5, [['ETH-USD', 'update', [level('offer', '101', '0.5')]]]),
      frame(6, [['BTC-USD', 'snapshot', book]]),
    ]);
    expect(validity(out)).toEqual([
      'BTC-USD@1:true',
      'ETH-USD@2:true',
      'BTC-USD@3:false',
      'BTC-USD@4:false',
      'ETH-USD@5:true',
      'BTC-USD@6:true',
    ]);
    const quality = out.filter((r) => r.channel === 'quality');
    expect(quality.map((q) => [q.kind, q.product_id, q.sequence_from])).toEqual([
      ['invalid_level', 'BTC-USD', 3n],
    ]);
    const btc3 = out.find((r) => r.channel === 'l2_data' && r.sequence_num === 3n)!;
    expect([btc3.price_level, btc3.best_bid_price, btc3.mid_price]).toEqual([100.5, null, null]);
  });

  it('an incomplete snapshot does not make the book valid', () => {
    const out = run([
      frame(1, [['BTC-USD', 'snapshot', [...book, level('offer', '102', 'lots')]]]),
      frame(2, [['BTC-USD', 'update', [level('bid', '100', '4')]]]),
    ]);
    expect(validity(out)).toEqual(['BTC-USD@1:false', 'BTC-USD@2:false']);
  });

  it('an event without a usable product leaves no book trusted', () => {
    const out = run([
      frame(1, [['BTC-USD', 'snapshot', book]]),
      frame(2, [['ETH-USD', 'snapshot', book]]),
      frame(3, [
        ['ETH-USD', 'update', [level('bid', '99.5', '1')]],
        ['', 'update', [level('bid', '1', '1')]],
      ]),
      frame(4, [['BTC-USD', 'update', [level('bid', '100', '4')]]]),
    ]);
    expect(validity(out)).toEqual(['BTC-USD@1:true', 'ETH-USD@2:true', 'ETH-USD@3:false', 'BTC-USD@4:false']);
    const quality = out.filter((r) => r.channel === 'quality').map((q) => q.product_id);
    expect(quality.sort()).toEqual(['BTC-USD', 'ETH-USD']);
  });

  it('a frame without any lost entry adds no marker', () => {
    const out = run([frame(1, [['BTC-USD', 'snapshot', book]])]);
    expect(out.filter((r) => r.channel === '_sequence')).toEqual([]);
  });
});

describe('the Exchange feed parser marks lost level2 entries too', () => {
  const snapshot = (time: string) => ({
    type: 'snapshot',
    product_id: 'BTC-USD',
    bids: [['100', '1']],
    asks: [['101', '1']],
    time,
  });
  const update = (changes: unknown[], time: string) => ({
    type: 'l2update',
    product_id: 'BTC-USD',
    changes,
    time,
  });

  it('a bad change leaves the book invalid until the next snapshot', () => {
    const parser = new ExchangeFeedParser();
    const l2 = new Level2Processor({ sequenceCheck: 'off' });
    const frames = [
      snapshot('2021-04-17T16:43:37Z'),
      update([['buy', '100.5', '2']], '2021-04-17T16:43:38Z'),
      update(
        [
          ['buy', '100.6', '2'],
          ['sell', 'x', '1'],
        ],
        '2021-04-17T16:43:39Z',
      ),
      update([['buy', '100.7', '2']], '2021-04-17T16:43:40Z'),
      snapshot('2021-04-17T16:43:41Z'),
    ];
    const out = l2.process(parser.process(frames.map((f, i) => record(f, i + 1))));
    out.push(...l2.flush());
    const valid = out.filter((r) => r.channel === 'level2').map((r) => `${r.price_level}:${r.book_valid}`);
    expect(valid).toEqual([
      '100:true',
      '101:true',
      '100.5:true',
      '100.6:false',
      '100.7:false',
      '100:true',
      '101:true',
    ]);
    expect(out.filter((r) => r.channel === 'quality').map((q) => q.kind)).toEqual(['invalid_level']);
  });
});
