import { ConfigError, MemoryLogger, MemoryQuarantine, parseTimestampNs, type Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { record } from './__fixtures__/fixture-records.js';
import { ExchangeFeedParser } from './exchange-feed-parser.js';

const t = (s: string): bigint => parseTimestampNs(s);
const T1 = '2021-04-17T16:43:37.075687Z';
const T2 = '2021-04-17T16:43:38.5Z';

function run(values: unknown[], options: ConstructorParameters<typeof ExchangeFeedParser>[0] = {}) {
  const quarantine = new MemoryQuarantine();
  const logger = new MemoryLogger();
  const parser = new ExchangeFeedParser({ quarantine, logger, ...options });
  const rows: Row[] = [...parser.process(values.map((v, i) => record(v, i + 1))), ...parser.flush()];
  return { rows, quarantine: quarantine.entries, parser, logger };
}

const update = (changes: unknown, time: unknown = T1, product = 'BTC-USD') => ({
  type: 'l2update',
  product_id: product,
  changes,
  time,
});

describe('ExchangeFeedParser quirks seen in the wild', () => {
  it("keeps a level2 update whose time is 0001-01-01 with the capture's latest live time, and quarantines the line", () => {
    const { rows, quarantine } = run([
      update([['buy', '100', '1']]),
      update([['sell', '101', '2']], '0001-01-01T00:00:00.000000Z'),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      side: 'offer',
      price_level: 101,
      event_time: null,
      server_timestamp: t(T1),
      date: '2021-04-17',
    });
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0]).toMatchObject({ file: 'crafted.ndjson', line: 2, stage: 'parser' });
    expect(quarantine[0]!.reason).toMatch(/"0001-01-01T00:00:00.000000Z" is before 1971/);
  });

  it('drops a trade whose time is 0001-01-01 or missing (a trade needs its own time)', () => {
    const match = (time: unknown, id: number) => ({
      type: 'match',
      trade_id: id,
      side: 'sell',
      size: '1',
      price: '10',
      product_id: 'BTC-USD',
      sequence: 5,
      ...(time === undefined ? {} : { time }),
    });
    const { rows, quarantine, parser } = run([
      update([['buy', '1', '1']]),
      match('0001-01-01T00:00:00Z', 1),
      match(undefined, 2),
      match(T2, 3),
    ]);
    expect(rows.filter((r) => r.channel === 'market_trades').map((r) => r.trade_id)).toEqual(['3']);
    expect(quarantine.map((q) => q.line)).toEqual([2, 3]);
    expect(quarantine[1]!.reason).toMatch(/time is missing/);
    expect(parser.stats().counters.bad_entries).toBe(2);
  });

  it('drops malformed sizes like 0.-10000 and keeps the rest of the message', () => {
    const { rows, quarantine } = run([
      update([
        ['buy', '100', '0.-10000'],
        ['sell', '101', '3'],
        ['hold', '102', '1'],
        ['buy', '-5', '1'],
        'junk',
      ]),
      {
        type: 'snapshot',
        product_id: 'BTC-USD',
        bids: [
          ['99', '1'],
          ['98', '0.-10000'],
        ],
        asks: [
          ['103', 'NaN'],
          ['104', '2', 7],
        ],
      },
    ]);
    const levels = rows.filter((r) => r.channel === 'level2');
    expect(levels.map((r) => [r.side, r.price_level, r.new_quantity])).toEqual([
      ['offer', 101, 3],
      ['bid', 99, 1],
      ['offer', 104, 2],
    ]);
    // Each message is followed by a marker: the BTC-USD book missed entries.
    const markers = rows.filter((r) => r.channel === '_sequence');
    expect(markers.map((r) => [r.source_channel, r.level2_lost])).toEqual([
      ['l2update', ['BTC-USD']],
      ['snapshot', ['BTC-USD']],
    ]);
    expect(quarantine.map((q) => q.line)).toEqual([1, 2]);
    expect(quarantine[0]!.reason).toContain(
      'changes[0][2] (size) is not a non-negative decimal string: "0.-10000"',
    );
    expect(quarantine[0]!.reason).toContain("changes[2][0] (side) is not 'buy' or 'sell'");
    expect(quarantine[1]!.reason).toContain('bids[1][1] (size)');
  });

  it('turns a malformed ticker number into null, not 0, and keeps the row', () => {
    const { rows, quarantine } = run([
      {
        type: 'ticker',
        product_id: 'BTC-USD',
        price: '100',
        open_24h: '80',
        volume_24h: '0.-10000',
        best_bid: '99',
        best_ask: '101',
        best_bid_size: '2',
        time: T1,
      },
    ]);
    expect(rows[0]).toMatchObject({
      price: 100,
      volume_24h: null,
      best_bid_quantity: 2,
      best_ask_quantity: null,
      price_percent_chg_24h: 25,
    });
    expect(quarantine[0]!.reason).toMatch(/volume_24h is not a decimal string: "0.-10000"; set to null/);
  });

  it('quarantines records that are not Exchange messages, with a hint for Advanced Trade frames', () => {
    const { rows, quarantine } = run([
      'a string',
      [1, 2],
      { channel: 'l2_data', timestamp: T1, events: [] },
      { capture_ts: 'yesterday', data: { type: 'heartbeat' } },
      { capture_ts: '2021-04-17T16:43:37.000000+00:00', data: 5 },
      { product_id: 'BTC-USD' },
    ]);
    expect(rows).toEqual([]);
    expect(quarantine.map((q) => q.reason)).toEqual([
      'not a JSON object (got a string)',
      'not a JSON object (got an array)',
      `no "type" but a "channel" ("l2_data"): an Advanced Trade frame? Parse it with RawParser({ source: 'coinbase' })`,
      'envelope capture_ts "yesterday" is not a timestamp (too short)',
      'envelope data is not an object (got a number)',
      'type is missing or not a non-empty string (missing)',
    ]);
  });

  it('turns heartbeats, subscriptions, errors and unknown types into control rows', () => {
    const { rows, logger, parser } = run([
      {
        type: 'subscriptions',
        channels: [
          { name: 'level2', product_ids: ['BTC-USD'] },
          'heartbeat',
          { name: '__proto__', product_ids: ['x'] },
        ],
      },
      { type: 'heartbeat', last_trade_id: 1, product_id: 'BTC-USD', sequence: 90, time: T1 },
      { type: 'error', message: 'Failed to subscribe', reason: 'x' },
      { type: 'received', order_id: 'a', time: T2 },
      { type: 'received', order_id: 'b', time: T2 },
    ]);
    expect(rows).toEqual([
      {
        channel: '_sequence',
        source_channel: 'subscriptions',
        sequence_num: null,
        server_timestamp: null,
        capture_timestamp: null,
        subscriptions: { level2: ['BTC-USD'], heartbeat: [] },
      },
      {
        channel: '_sequence',
        source_channel: 'heartbeat',
        sequence_num: null,
        server_timestamp: t(T1),
        capture_timestamp: null,
        current_time: t(T1),
        heartbeat_counter: null,
      },
      {
        channel: '_sequence',
        source_channel: 'error',
        sequence_num: null,
        server_timestamp: null,
        capture_timestamp: null,
        message: 'Failed to subscribe',
      },
      {
        channel: '_sequence',
        source_channel: 'received',
        sequence_num: null,
        server_timestamp: t(T2),
        capture_timestamp: null,
      },
      {
        channel: '_sequence',
        source_channel: 'received',
        sequence_num: null,
        server_timestamp: t(T2),
        capture_timestamp: null,
      },
    ]);
    expect(Object.getPrototypeOf(rows[0]!.subscriptions)).toBe(Object.prototype);
    expect(parser.stats().counters).toMatchObject({
      heartbeats: 1,
      subscriptions: 1,
      exchange_errors: 1,
      'unknown_type:received': 2,
    });
    expect(logger.records.filter((r) => r.message.includes('unknown message type'))).toHaveLength(1);
  });

  it('holds untimed messages until the first live time, and gives them up at flush if none ever comes', () => {
    const snapshot = { type: 'snapshot', product_id: 'BTC-USD', bids: [['99', '1']], asks: [['101', '1']] };
    const lastMatch = {
      type: 'last_match',
      trade_id: 7,
      side: 'buy',
      size: '1',
      price: '100',
      product_id: 'BTC-USD',
      time: '2021-04-17T10:00:00Z',
    };
    const timed = run([snapshot, lastMatch, update([['buy', '99', '2']], T2)]);
    // last_match carries an old trade time: it is not "now", so the snapshot waits for the update's.
    expect(timed.rows.map((r) => [r.channel, r.server_timestamp])).toEqual([
      ['level2', t(T2)],
      ['level2', t(T2)],
      ['market_trades', t('2021-04-17T10:00:00Z')],
      ['level2', t(T2)],
    ]);
    const never = run([{ type: 'subscriptions', channels: [] }, snapshot]);
    expect(never.rows.map((r) => r.channel)).toEqual(['_sequence']);
    expect(never.quarantine).toHaveLength(1);
    expect(never.quarantine[0]).toMatchObject({ line: 2 });
    expect(never.quarantine[0]!.reason).toMatch(/^no time/);
  });

  it('limits output to one dataset with channel (Exchange or dataset names) and refuses unknown ones', () => {
    const values = [
      update([['buy', '1', '1']]),
      { type: 'match', trade_id: 1, side: 'sell', size: '1', price: '10', product_id: 'BTC-USD', time: T2 },
      { type: 'heartbeat', time: T2 },
    ];
    expect(run(values, { channel: 'matches' }).rows.map((r) => r.channel)).toEqual(['market_trades']);
    expect(run(values, { channel: 'level2' }).rows.map((r) => r.channel)).toEqual(['level2']);
    expect(
      new ExchangeFeedParser({ channel: 'ticker' })
        .outputSchema()
        ?.fields.some((f) => f.name === 'best_bid_quantity'),
    ).toBe(true);
    expect(new ExchangeFeedParser().outputSchema()).toBeUndefined();
    expect(() => new ExchangeFeedParser({ channel: 'full' })).toThrow(ConfigError);
  });
});
