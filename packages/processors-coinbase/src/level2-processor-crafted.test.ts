import { MemoryQuarantine, type Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { at, controlRow, l2Message, l2Row, tradeRow } from './__fixtures__/level2-session-rows.js';
import type { Level2ProcessorOptions } from './level2-options.js';
import { Level2Processor } from './level2-processor.js';
import { level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';

const P = 'BTC-USD';
const isL2 = (r: Row): boolean => r.channel === 'l2_data';

/** Snapshot: bids 100 × 1, 99 × 2; asks 101 × 1, 102 × 2. */
const snapshot = (seq: number, ms: number, product = P): Row[] =>
  l2Message(
    product,
    seq,
    at(ms),
    [
      ['bid', 100, 1],
      ['bid', 99, 2],
      ['ask', 101, 1],
      ['ask', 102, 2],
    ],
    true,
  );

function run(rows: Row[], options: Level2ProcessorOptions = {}): { out: Row[]; p: Level2Processor } {
  const p = new Level2Processor(options);
  const out = p.process(rows);
  out.push(...p.flush());
  return { out, p };
}

/** Book columns of the last row of each level2 message, keyed by sequence number. */
function byMessage(out: Row[], cols: string[]): Record<string, unknown[]> {
  const m: Record<string, unknown[]> = {};
  for (const r of out.filter(isL2)) m[String(r.sequence_num)] = cols.map((c) => r[c]);
  return m;
}

describe('Level2Processor message handling', () => {
  it('stamps all rows of a message with the book after the whole message', () => {
    const rows = [
      ...snapshot(1, 0),
      ...l2Message(P, 2, at(1), [
        ['bid', 100.5, 3],
        ['ask', 100.8, 4],
        ['bid', 100, 0],
      ]),
    ];
    const { out } = run(rows);
    const msg2 = out.filter((r) => r.sequence_num === 2n);
    expect(msg2.length).toBe(3);
    for (const r of msg2) {
      expect([r.best_bid_price, r.best_bid_size, r.best_ask_price, r.best_ask_size, r.book_valid]).toEqual([
        100.5,
        3,
        100.8,
        4,
        true,
      ]);
      expect(r.mid_price).toBeCloseTo(100.65, 12);
      expect(r.spread).toBeCloseTo(0.3, 12);
      expect(r.spread_bps).toBeCloseTo((0.3 / 100.65) * 1e4, 9);
    }
  });

  it('holds the trailing message of a batch until the next batch shows another message or flush()', () => {
    const rows = [
      ...snapshot(1, 0),
      ...l2Message(P, 2, at(1), [
        ['bid', 100.5, 3],
        ['bid', 100.6, 1],
        ['ask', 100.8, 4],
      ]),
    ];
    const p = new Level2Processor();
    const first = p.process(rows.slice(0, 5)); // the snapshot and the first row of message 2
    expect(first.length).toBe(4);
    const second = p.process(rows.slice(5)); // message 2 may still continue
    expect(second.length).toBe(0);
    const rest = p.flush();
    expect(rest.length).toBe(3);
    for (const r of rest) expect([r.best_bid_price, r.best_ask_price]).toEqual([100.6, 100.8]);
    expect(p.stats().recordsOut).toBe(7);

    // Split anywhere, same result as one batch.
    const one = run(rows.map((r) => ({ ...r }))).out;
    for (let cut = 1; cut < rows.length; cut++) {
      const q = new Level2Processor();
      const copy = rows.map((r) => ({ ...r }));
      const out = [...q.process(copy.slice(0, cut)), ...q.process(copy.slice(cut)), ...q.flush()];
      expect(out).toEqual(one);
    }
  });

  it('messagesEndAtBatchEnd emits the last message of each batch at once', () => {
    const p = new Level2Processor({ messagesEndAtBatchEnd: true });
    expect(p.process(snapshot(1, 0)).length).toBe(4);
    expect(p.process(l2Message(P, 2, at(1), [['bid', 100.5, 3]]))[0]!.best_bid_price).toBe(100.5);
    expect(p.flush()).toEqual([]);
  });

  it('keeps books per product and ignores absent deletes', () => {
    const rows = [
      ...snapshot(1, 0, 'BTC-USD'),
      ...snapshot(2, 1, 'ETH-USD'),
      ...l2Message('ETH-USD', 3, at(2), [
        ['bid', 100.5, 9],
        ['ask', 150, 0],
      ]),
      ...l2Message('BTC-USD', 4, at(3), [['ask', 101, 0]]),
    ];
    const { out, p } = run(rows);
    const cols = byMessage(out, ['product_id', 'best_bid_price', 'best_bid_size', 'best_ask_price']);
    expect(cols['3']).toEqual(['ETH-USD', 100.5, 9, 101]);
    expect(cols['4']).toEqual(['BTC-USD', 100, 1, 102]);
    expect(p.stats().counters.absent_deletes).toBe(1);
  });

  it('leaves book columns null and book_valid false before the first snapshot', () => {
    const { out } = run([...l2Message(P, 1, at(0), [['bid', 100, 1]]), ...snapshot(2, 1)]);
    expect(out[0]).toMatchObject({ best_bid_price: null, mid_price: null, book_valid: false });
    expect(out[1]).toMatchObject({ best_bid_price: 100, book_valid: true });
  });

  it('a gap invalidates until the next snapshot; a reconnect is not a gap', () => {
    const rows = [
      ...snapshot(1, 0),
      ...l2Message(P, 2, at(1), [['bid', 100.2, 1]]),
      ...l2Message(P, 5, at(2), [['bid', 100.3, 1]]), // 3 and 4 missing
      ...l2Message(P, 6, at(3), [['bid', 100.4, 1]]),
      ...snapshot(7, 4),
      ...l2Message(P, 8, at(5), [['bid', 100.1, 1]]),
      controlRow(0, at(6)), // the counter went back: a new connection
      ...l2Message(P, 1, at(7), [['bid', 100.2, 1]]),
      ...snapshot(2, 8),
    ];
    const { out, p } = run(rows);
    const valid = out.filter(isL2).map((r) => `${r.sequence_num}:${r.book_valid}`);
    expect(valid.filter((v, k) => v !== valid[k - 1])).toEqual([
      '1:true',
      '2:true',
      '5:false',
      '6:false',
      '7:true',
      '8:true',
      '1:false',
      '2:true',
    ]);
    expect(p.stats().counters).toMatchObject({ gaps: 1, reconnects: 1, snapshots: 3 });
    const quality = out.filter((r) => r.channel === 'quality');
    expect(quality.map((q) => [q.kind, q.sequence_from, q.sequence_to, q.time_from, q.time_to])).toEqual([
      ['gap', 3n, 4n, at(1), at(2)],
      ['reconnect', 8n, 0n, at(5), at(6)],
    ]);
    // Quality rows sit before the message that revealed them.
    expect(out[out.indexOf(quality[0]!) + 1]!.sequence_num).toBe(5n);
  });

  it('quarantines unusable level rows, names the row, and invalidates that book', () => {
    const quarantine = new MemoryQuarantine();
    const bad = { ...l2Row(P, 2, at(1), 'bid', 100.5, 1), price_level: Number.NaN };
    const rows = [
      ...snapshot(1, 0),
      bad,
      l2Row(P, 2, at(1), 'ask', 100.9, 1),
      ...l2Message(P, 3, at(2), [['bid', 100.1, 1]]),
    ];
    const { out, p } = run(rows, { quarantine, inputName: 'seg.ndjson' });
    expect(quarantine.entries).toEqual([
      {
        file: 'seg.ndjson',
        line: 5,
        reason: 'level2 row with price_level NaN',
        raw: expect.stringContaining('"sequence_num":"2"'),
        stage: 'level2',
      },
    ]);
    expect(out.includes(bad)).toBe(false);
    expect(out.filter((r) => r.sequence_num === 2n && isL2(r))[0]!.book_valid).toBe(false);
    expect(out.find((r) => r.kind === 'invalid_level')).toMatchObject({ product_id: P, sequence_from: 2n });
    expect(p.stats().errors).toBe(1);
    expect(out.filter(isL2).at(-1)!.book_valid).toBe(false);
  });

  it('a level2 row without product_id invalidates every book', () => {
    const quarantine = new MemoryQuarantine();
    const orphan = { ...l2Row(P, 3, at(2), 'bid', 100.5, 1), product_id: null };
    const rows = [
      ...snapshot(1, 0),
      ...snapshot(2, 1, 'ETH-USD'),
      orphan,
      ...l2Message(P, 4, at(3), [['bid', 100.1, 1]]),
    ];
    const { out } = run(rows, { quarantine });
    expect(quarantine.entries.map((e) => e.reason)).toEqual(['level2 row without a product_id']);
    expect(out.find((r) => r.kind === 'invalid_level')).toMatchObject({
      product_id: null,
      sequence_from: 3n,
    });
    expect(out.filter(isL2).at(-1)).toMatchObject({ sequence_num: 4n, book_valid: false });
  });

  it('annotates trades with the book just before them', () => {
    const rows = [
      tradeRow(P, 1, at(0), 100, 1, 'BUY'),
      ...snapshot(2, 1),
      tradeRow(P, 3, at(2), 101, 1, 'SELL'),
      ...l2Message(P, 4, at(3), [['ask', 100.7, 5]]),
      tradeRow(P, 5, at(4), 100.7, 1, 'SELL'),
      tradeRow('ETH-USD', 6, at(5), 10, 1, 'SELL'),
    ];
    const { out, p } = run(rows, { annotateTrades: true });
    const trades = out.filter((r) => r.channel === 'market_trades');
    expect(trades.map((t) => [t.best_bid_price, t.best_bid_size, t.best_ask_price, t.best_ask_size])).toEqual(
      [
        [null, null, null, null],
        [100, 1, 101, 1],
        [100, 1, 100.7, 5],
        [null, null, null, null],
      ],
    );
    expect(p.stats().counters.trades_annotated).toBe(4);
  });
});

describe('Level2Processor crossed books', () => {
  // Message 2 sets an ask below the best bid: the bid side is the stale one.
  const crossingAsk = (): Row[] => [...snapshot(1, 0), ...l2Message(P, 2, at(1), [['ask', 99.5, 3]])];
  // Message 2 sets a bid above the best ask: the ask side is the stale one.
  const crossingBid = (): Row[] => [...snapshot(1, 0), ...l2Message(P, 2, at(1), [['bid', 101.5, 3]])];

  it("'remove-stale' (default) removes the levels of the side this message did not update", () => {
    let { out, p } = run(crossingAsk());
    expect(byMessage(out, ['best_bid_price', 'best_ask_price', 'book_valid'])['2']).toEqual([99, 99.5, true]);
    expect(p.stats().counters).toMatchObject({ crossed_books: 1, crossed_levels_removed: 1 });
    expect(out.find((r) => r.kind === 'crossed_book')?.detail).toBe(
      'best bid 100 >= best ask 99.5; removed 1 stale bid level(s)',
    );
    ({ out, p } = run(crossingBid()));
    // Both asks 101 and 102 are at or below the new bid 101.5? Only 101 is: 102 stays.
    expect(byMessage(out, ['best_bid_price', 'best_ask_price'])['2']).toEqual([101.5, 102]);
    expect(p.stats().counters.crossed_levels_removed).toBe(1);
  });

  it("'keep' counts and reports but leaves the book crossed", () => {
    const { out, p } = run(crossingAsk(), { crossedPolicy: 'keep' });
    const m = byMessage(out, ['best_bid_price', 'best_ask_price', 'spread', 'book_valid'])['2']!;
    expect(m).toEqual([100, 99.5, -0.5, true]);
    expect(p.stats().counters.crossed_books).toBe(1);
    expect(out.filter((r) => r.kind === 'crossed_book').length).toBe(1);
  });

  it("'invalidate' drops the book until the next snapshot", () => {
    const rows = [...crossingAsk(), ...l2Message(P, 3, at(2), [['bid', 98, 1]]), ...snapshot(4, 3)];
    const { out } = run(rows, { crossedPolicy: 'invalidate' });
    const m = byMessage(out, ['book_valid', 'best_bid_price']);
    expect([m['2'], m['3'], m['4']]).toEqual([
      [false, null],
      [false, null],
      [true, 100],
    ]);
  });

  it("'fail' throws naming product and sequence", () => {
    expect(() => run(crossingBid(), { crossedPolicy: 'fail' })).toThrow(
      'level2: crossed book for BTC-USD after sequence 2: best bid 101.5 >= best ask 101',
    );
    expect(() => new Level2Processor({ crossedPolicy: 'ignore' as 'keep' })).toThrow(/crossedPolicy/);
  });
});

describe('Level2Processor features', () => {
  const cols = [
    'ofi',
    'microprice',
    'imbalance_l1',
    'bid_depth_2',
    'ask_depth_2',
    'bid_depth_2_5bps',
    'ask_depth_2_5bps',
  ];

  it('computes OFI against the previous message of the same product; null after (re)validation', () => {
    const rows = [
      ...snapshot(1, 0), // top: 100 × 1 | 101 × 1 — first valid message: OFI null
      ...l2Message(P, 2, at(1), [['bid', 100, 4]]), // same prices: qb − qb' = 4 − 1 = 3; asks unchanged: −1 + 1 → 3
      ...l2Message(P, 3, at(2), [
        ['bid', 100.5, 2],
        ['ask', 101, 0],
      ]), // bid up: +2; ask up to 102: +qa' = +1 → 3
      ...l2Message(P, 4, at(3), [['ask', 100.9, 5]]), // bid same: 2 − 2 = 0; ask down: −5 → −5
      ...l2Message(P, 7, at(4), [['bid', 100.6, 1]]), // gap: invalid, null
      ...snapshot(8, 5), // valid again: OFI restarts with null
      ...l2Message(P, 9, at(6), [
        ['bid', 99, 0],
        ['ask', 101, 3],
      ]), // same prices: (1 − 1) − 3 + 1 = −2
    ];
    const { out } = run(rows, { computeFeatures: true, depthLevels: [2], depthBps: [2.5] });
    const ofi = byMessage(out, ['ofi']);
    expect(Object.values(ofi).map((v) => v[0])).toEqual([null, 3, 3, -5, null, null, -2]);
  });

  it('microprice, imbalance and depth within levels and bps on a crafted book', () => {
    const rows = l2Message(
      P,
      1,
      at(0),
      [
        ['bid', 100, 3],
        ['bid', 99.99, 2],
        ['bid', 99.9, 7],
        ['ask', 100.02, 1],
        ['ask', 100.04, 4],
        ['ask', 100.5, 6],
      ],
      true,
    );
    const { out } = run(rows, { computeFeatures: true, depthLevels: [2], depthBps: [2.5] });
    const [ofi, micro, imb, bd2, ad2, bbps, abps] = byMessage(out, cols)['1']!;
    expect(ofi).toBeNull();
    // (100·1 + 100.02·3) / (3 + 1) = 400.06 / 4 = 100.015
    expect(micro).toBeCloseTo(100.015, 12);
    expect(imb).toBe(0.5); // (3 − 1) / (3 + 1)
    expect([bd2, ad2]).toEqual([5, 5]); // 3 + 2 and 1 + 4
    // mid 100.01; 2.5 bps = 0.0250025 → bids >= 99.9849975: 100, 99.99 → 5; asks <= 100.0350025: 100.02 → 1
    expect([bbps, abps]).toEqual([5, 1]);
  });
});

describe('Level2Processor schema and options', () => {
  it('extends the level2 schema with the configured book columns, trades only with annotateTrades', () => {
    const p = new Level2Processor({
      computeFeatures: true,
      depthLevels: [5, 20],
      depthBps: [2.5],
      annotateTrades: true,
    });
    const names = p.outputSchema(level2Schema)!.fields.map((f) => f.name);
    expect(names.slice(level2Schema.fields.length)).toEqual([
      'best_bid_price',
      'best_bid_size',
      'best_ask_price',
      'best_ask_size',
      'mid_price',
      'spread',
      'spread_bps',
      'microprice',
      'imbalance_l1',
      'ofi',
      'bid_depth_5',
      'ask_depth_5',
      'bid_depth_20',
      'ask_depth_20',
      'bid_depth_2_5bps',
      'ask_depth_2_5bps',
      'book_valid',
    ]);
    expect(
      p
        .outputSchema(marketTradesSchema)!
        .fields.map((f) => f.name)
        .slice(-4),
    ).toEqual(['best_bid_price', 'best_bid_size', 'best_ask_price', 'best_ask_size']);
    expect(p.outputSchema(tickerSchema)).toBe(tickerSchema);
    expect(new Level2Processor().outputSchema(marketTradesSchema)).toBe(marketTradesSchema);
    expect(new Level2Processor({ reconstructLob: false }).outputSchema(level2Schema)).toBe(level2Schema);
    expect(
      new Level2Processor({ addDerivedFields: false, computeFeatures: false }).outputSchema(level2Schema)!
        .fields.length,
    ).toBe(level2Schema.fields.length + 5);
    // Features are on by default wherever there is a book: 4 feature and 4 depth columns more.
    expect(new Level2Processor({ addDerivedFields: false }).outputSchema(level2Schema)!.fields.length).toBe(
      level2Schema.fields.length + 5 + 7,
    );
    expect(p.outputSchema(undefined)).toBeUndefined();
  });

  it('rows carry exactly the schema columns', () => {
    const p = new Level2Processor({ computeFeatures: true });
    const out = [...p.process(snapshot(1, 0)), ...p.flush()];
    expect(Object.keys(out[0]!)).toEqual(p.outputSchema(level2Schema)!.fields.map((f) => f.name));
  });

  it('without reconstructLob rows pass untouched but sequences are still checked', () => {
    const rows = [...snapshot(1, 0), ...snapshot(3, 1)];
    const { out, p } = run(
      rows.map((r) => ({ ...r })),
      { reconstructLob: false, sequenceCheck: 'strict' },
    );
    expect(out.filter(isL2)).toEqual(rows);
    expect(p.stats().counters.gaps).toBe(1);
    expect(() => new Level2Processor({ reconstructLob: false, computeFeatures: true })).toThrow(
      /reconstructLob/,
    );
  });
});
