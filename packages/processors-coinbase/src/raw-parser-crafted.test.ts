import { MemoryLogger, MemoryQuarantine, parseTimestampNs } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { record } from './__fixtures__/fixture-records.js';
import { RawParser } from './raw-parser.js';

describe('RawParser on crafted frames', () => {
  const l2 = (updates: unknown[], extra: Record<string, unknown> = {}) => ({
    channel: 'l2_data',
    timestamp: '2026-08-09T21:05:48.483587501Z',
    sequence_num: 7,
    events: [{ type: 'snapshot', product_id: 'BTC-USD', updates }],
    ...extra,
  });

  it('takes date/hour from the message when a level is stamped with the epoch', () => {
    const out = new RawParser({ source: 'coinbase' }).process([
      record(
        l2([
          { side: 'bid', event_time: '1970-01-01T00:00:00Z', price_level: '100.5', new_quantity: '2' },
          { side: 'offer', price_level: '101', new_quantity: '0' },
          {
            side: 'offer',
            event_time: '2026-08-10T00:00:00.000000001Z',
            price_level: '102',
            new_quantity: '1',
          },
        ]),
      ),
    ]);
    expect(out.map((r) => [r.event_time, r.date, r.hour])).toEqual([
      [0n, '2026-08-09', '21'],
      [null, '2026-08-09', '21'],
      [parseTimestampNs('2026-08-10T00:00:00.000000001Z'), '2026-08-10', '0'],
    ]);
    expect(out[0]!.client_id).toBeNull();
  });

  it('reads envelopes whose capture_ts has 0 or 6 fractional digits and an offset', () => {
    const data = l2([{ side: 'bid', price_level: '1', new_quantity: '2' }]);
    const out = new RawParser({ source: 'coinbase' }).process([
      record({
        capture_ts: '2026-08-09T21:05:48+00:00',
        data,
        metadata: { source: 'coinbase', channel: 'l2_data' },
      }),
      record({ capture_ts: '2026-08-09T23:05:48.629008+02:00', data }, 2),
      record({ data }, 3),
    ]);
    expect(out.map((r) => r.capture_timestamp)).toEqual([
      parseTimestampNs('2026-08-09T21:05:48Z'),
      parseTimestampNs('2026-08-09T21:05:48.629008Z'),
      null,
    ]);
    expect(out[0]!.capture_timestamp).toBe(1_786_309_548_000_000_000n);
  });

  it('quarantines unusable records with file, line and reason and keeps the rest', () => {
    const quarantine = new MemoryQuarantine();
    const logger = new MemoryLogger();
    const parser = new RawParser({ source: 'coinbase', quarantine, logger });
    const good = l2([
      { side: 'bid', event_time: '2026-08-09T21:05:48Z', price_level: '1', new_quantity: '2' },
    ]);
    const out = parser.process([
      record(42, 1),
      record([1, 2], 2),
      record(null, 3),
      record({ channel: 'l2_data', timestamp: '2026-08-09T21:05:48Z', sequence_num: 1 }, 4),
      record({ ...good, channel: 5 }, 5),
      record({ ...good, timestamp: 'yesterday' }, 6),
      record({ ...good, timestamp: '1970-01-01T00:00:01Z' }, 7),
      record({ ...good, sequence_num: -1 }, 8),
      record({ ...good, sequence_num: '12a' }, 9),
      record({ ...good, events: { type: 'update' } }, 10),
      record({ capture_ts: '2026-08-09T21:05:48.629008+00:00', data: 'l2_data' }, 11),
      record({ capture_ts: 'noon', data: good }, 12),
      record(good, 13),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ price_level: 1, new_quantity: 2, sequence_num: 7n });
    expect(quarantine.entries.map((e) => [e.line, e.reason])).toEqual([
      [1, 'not a JSON object (got a number)'],
      [2, 'not a JSON object (got an array)'],
      [3, 'not a JSON object (got null)'],
      [4, 'events is missing or not an array (missing)'],
      [5, 'channel is missing or not a non-empty string (5)'],
      [6, 'timestamp "yesterday" is invalid (too short)'],
      [7, 'timestamp "1970-01-01T00:00:01Z" is before 1971'],
      [8, 'sequence_num is not a non-negative integer (-1)'],
      [9, 'sequence_num is not a non-negative integer ("12a")'],
      [10, 'events is missing or not an array (an object)'],
      [11, 'envelope data is not an object (got a string)'],
      [12, 'envelope capture_ts "noon" is not a timestamp (too short)'],
    ]);
    expect(quarantine.entries.every((e) => e.file === 'crafted.ndjson' && e.stage === 'parser')).toBe(true);
    expect(quarantine.entries[0]!.raw).toBe('42');
    expect(parser.stats()).toMatchObject({ recordsIn: 13, recordsOut: 1, errors: 12 });
    expect(logger.records[0]!.message).toBe('crafted.ndjson:1: not a JSON object (got a number)');
  });

  it('keeps the good entries of a message and quarantines it once with every reason', () => {
    const quarantine = new MemoryQuarantine();
    const parser = new RawParser({ source: 'coinbase', quarantine });
    const bad = ['0.-10000', 'NaN', '', ' 1', '0x10', 'Infinity', '-1', 5];
    const updates: unknown[] = bad.map((p) => ({ side: 'bid', price_level: p, new_quantity: '1' }));
    updates.push({ side: 'ask', price_level: '10', new_quantity: '1e-8' });
    updates.push({ side: 'sell', price_level: '10', new_quantity: '1' });
    updates.push('oops');
    updates.push({ side: 'bid', price_level: '11', new_quantity: '3', event_time: 'soon' });
    const out = parser.process([record(l2(updates), 9)]);
    const rows = out.filter((r) => r.channel === 'l2_data');
    expect(rows.map((r) => [r.side_normalized, r.price_level, r.new_quantity, r.event_time])).toEqual([
      ['ask', 10, 1e-8, null],
      ['bid', 11, 3, null],
    ]);
    // After the rows, a marker tells the order book which book missed entries.
    expect(out.at(-1)).toEqual({
      channel: '_sequence',
      source_channel: 'l2_data',
      sequence_num: 7n,
      server_timestamp: rows[0]!.server_timestamp,
      capture_timestamp: null,
      level2_lost: ['BTC-USD'],
    });
    expect(out).toHaveLength(3);
    expect(quarantine.entries).toHaveLength(1);
    const reason = quarantine.entries[0]!.reason;
    expect(reason).toContain(
      'events[0].updates[0].price_level is not a non-negative decimal string: "0.-10000"',
    );
    expect(reason).toContain('updates[5].price_level is not a non-negative decimal string: "Infinity"');
    expect(reason).toContain("updates[9].side is not 'bid' or 'offer': \"sell\"");
    expect(reason).toContain('and 1 more');
    expect(parser.stats().counters.bad_entries).toBe(10);
    expect(parser.stats().errors).toBe(1);
  });

  it('never lets __proto__ or constructor keys pollute anything', () => {
    const text = `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},
      "channel":"l2_data","timestamp":"2026-08-09T21:05:48Z","sequence_num":3,
      "events":[{"__proto__":{"polluted":"yes"},"type":"update","product_id":"BTC-USD",
        "updates":[{"__proto__":{"price_level":"9"},"side":"bid","price_level":"1","new_quantity":"2"}]}]}`;
    const subs = `{"channel":"subscriptions","timestamp":"2026-08-09T21:05:48Z","sequence_num":4,
      "events":[{"subscriptions":{"__proto__":["x"],"constructor":["y"],"level2":["BTC-USD"]}}]}`;
    const quarantine = new MemoryQuarantine();
    const out = new RawParser({ source: 'coinbase', quarantine }).process([
      record(JSON.parse(text)),
      record(JSON.parse(subs), 2),
      record({ channel: 'constructor', timestamp: '2026-08-09T21:05:48Z', sequence_num: 5 }, 3),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out[0])).toBe(Object.prototype);
    expect(out[0]).not.toHaveProperty('polluted');
    expect(out[0]!.price_level).toBe(1);
    expect(Object.keys(out[1]!.subscriptions as object)).toEqual(['level2']);
    expect(Object.getPrototypeOf(out[1]!.subscriptions)).toBe(Object.prototype);
    expect(quarantine.entries.map((e) => e.line)).toEqual([2]);
    expect(quarantine.entries[0]!.reason).toContain('unsafe key "__proto__"');
    expect(out[2]).toMatchObject({ channel: '_sequence', source_channel: 'constructor', sequence_num: 5n });
  });

  it('counts unknown channels, warns once per name and keeps their sequence numbers', () => {
    const logger = new MemoryLogger();
    const parser = new RawParser({ source: 'coinbase', logger });
    const msg = (channel: string, seq: number) => ({
      channel,
      timestamp: '2026-08-09T21:05:48Z',
      sequence_num: seq,
    });
    const out = parser.process([
      record(msg('futures_balance', 1)),
      record(msg('futures_balance', 2), 2),
      record(msg('x', 3), 3),
    ]);
    expect(out.map((r) => [r.channel, r.source_channel, r.sequence_num])).toEqual([
      ['_sequence', 'futures_balance', 1n],
      ['_sequence', 'futures_balance', 2n],
      ['_sequence', 'x', 3n],
    ]);
    expect(parser.stats().counters).toMatchObject({
      'unknown_channel:futures_balance': 2,
      'unknown_channel:x': 1,
    });
    expect(logger.records.filter((r) => r.level === 'warn').map((r) => r.message)).toEqual([
      'coinbase: unknown channel "futures_balance" (first seen at crafted.ndjson:1)',
      'coinbase: unknown channel "x" (first seen at crafted.ndjson:3)',
    ]);
  });

  it("counts the collector's _connection records without warning", () => {
    const logger = new MemoryLogger();
    const parser = new RawParser({ source: 'coinbase', logger });
    const out = parser.process([
      record({
        channel: '_connection',
        event: 'reconnect',
        timestamp: '2026-08-09T21:05:50Z',
        last_sequence_num: 41,
      }),
      record(
        { channel: '_connection', event: 'frames_shed', timestamp: '2026-08-09T21:05:51Z', frames: 3 },
        2,
      ),
    ]);
    expect(out.map((r) => [r.channel, r.source_channel])).toEqual([
      ['_sequence', '_connection'],
      ['_sequence', '_connection'],
    ]);
    expect(parser.stats().counters).toMatchObject({
      'connection_events:reconnect': 1,
      'connection_events:frames_shed': 1,
    });
    expect(logger.records.filter((r) => r.level === 'warn')).toEqual([]);
  });

  it('turns status, exchange errors and empty data messages into control rows', () => {
    const logger = new MemoryLogger();
    const parser = new RawParser({ source: 'coinbase', logger });
    const out = parser.process([
      record({ channel: 'status', timestamp: '2026-08-09T21:05:48Z', sequence_num: 1, events: [] }),
      record({ type: 'error', message: 'failure to subscribe' }, 2),
      record({ channel: 'market_trades', timestamp: '2026-08-09T21:05:49Z', sequence_num: 2, events: [] }, 3),
      record({ channel: 'heartbeats', timestamp: '2026-08-09T21:05:49Z', sequence_num: 3, events: [{}] }, 4),
    ]);
    expect(out).toEqual([
      {
        channel: '_sequence',
        source_channel: 'status',
        sequence_num: 1n,
        server_timestamp: parseTimestampNs('2026-08-09T21:05:48Z'),
        capture_timestamp: null,
      },
      {
        channel: '_sequence',
        source_channel: 'error',
        sequence_num: null,
        server_timestamp: null,
        capture_timestamp: null,
        message: 'failure to subscribe',
      },
      {
        channel: '_sequence',
        source_channel: 'market_trades',
        sequence_num: 2n,
        server_timestamp: parseTimestampNs('2026-08-09T21:05:49Z'),
        capture_timestamp: null,
      },
      {
        channel: '_sequence',
        source_channel: 'heartbeats',
        sequence_num: 3n,
        server_timestamp: parseTimestampNs('2026-08-09T21:05:49Z'),
        capture_timestamp: null,
        current_time: null,
        heartbeat_counter: null,
      },
    ]);
    expect(parser.stats().counters).toMatchObject({ status: 1, exchange_errors: 1, heartbeats: 1 });
    expect(parser.stats().errors).toBe(1);
    expect(logger.records.some((r) => r.message.includes('failure to subscribe'))).toBe(true);
  });

  it('keeps a ticker whose optional numbers are missing (null, never 0) or bad (null, quarantined)', () => {
    const quarantine = new MemoryQuarantine();
    const out = new RawParser({ source: 'coinbase', quarantine }).process([
      record({
        channel: 'ticker_batch',
        client_id: '',
        timestamp: '2026-08-09T23:59:59.999999999Z',
        sequence_num: 1,
        events: [
          {
            type: 'update',
            tickers: [{ type: 'ticker', product_id: 'ETH-USD', price: '3000.5', best_bid: '' }],
          },
        ],
      }),
    ]);
    expect(out).toEqual([
      {
        product_id: 'ETH-USD',
        ticker_type: 'ticker',
        price: 3000.5,
        volume_24h: null,
        low_24h: null,
        high_24h: null,
        low_52w: null,
        high_52w: null,
        price_percent_chg_24h: null,
        best_bid: null,
        best_bid_quantity: null,
        best_ask: null,
        best_ask_quantity: null,
        event_type: 'update',
        server_timestamp: parseTimestampNs('2026-08-09T23:59:59.999999999Z'),
        capture_timestamp: null,
        sequence_num: 1n,
        client_id: '',
        channel: 'ticker_batch',
        date: '2026-08-09',
        hour: '23',
      },
    ]);
    expect(quarantine.entries[0]!.reason).toBe(
      'events[0].tickers[0].best_bid is not a decimal string: ""; set to null',
    );
  });

  it('orders a newest-first trades frame by time, oldest of equal times first', () => {
    const trade = (id: string, time: string) => ({
      product_id: 'BTC-USD',
      trade_id: id,
      price: '1',
      size: '1',
      side: 'BUY',
      time,
    });
    const out = new RawParser({ source: 'coinbase' }).process([
      record({
        channel: 'market_trades',
        timestamp: '2026-08-09T21:05:50Z',
        sequence_num: 1,
        events: [
          {
            type: 'update',
            trades: [
              trade('5', '2026-08-09T21:05:49Z'),
              trade('4', '2026-08-09T21:05:48Z'),
              trade('3', '2026-08-09T21:05:48Z'),
              trade('1', '2026-08-09T21:05:47Z'),
              trade('2', '2026-08-09T21:05:47.5Z'),
            ],
          },
        ],
      }),
    ]);
    expect(out.map((r) => r.trade_id)).toEqual(['1', '2', '3', '4', '5']);
  });
});

describe('RawParser drop rule for trades and candles', () => {
  it('drops entries whose required fields are bad and nulls bad optional numbers', () => {
    const quarantine = new MemoryQuarantine();
    const good = {
      product_id: 'BTC-USD',
      trade_id: '7',
      price: '10.5',
      size: '2',
      side: 'BUY',
      time: '2026-08-09T21:05:48Z',
    };
    const out = new RawParser({ source: 'coinbase', quarantine }).process([
      record({
        channel: 'market_trades',
        timestamp: '2026-08-09T21:05:49Z',
        sequence_num: 1,
        events: [
          {
            type: 'update',
            trades: [
              good,
              { ...good, trade_id: 8 },
              { ...good, trade_id: '9', time: '2026-08-09' },
              { ...good, trade_id: '10', size: '-2' },
              { ...good, trade_id: '11', side: '' },
            ],
          },
        ],
      }),
      record(
        {
          channel: 'candles',
          timestamp: '2026-08-09T21:05:49Z',
          sequence_num: 2,
          events: [
            {
              type: 'update',
              candles: [
                { product_id: 'BTC-USD', start: '1786309500', open: '1', high: 'x', low: '0.5', close: '1' },
                { product_id: 'BTC-USD', start: '2026-08-09', open: '1' },
              ],
            },
          ],
        },
        2,
      ),
    ]);
    expect(
      out.map((r) => [r.channel, r.trade_id ?? r.start, r.price ?? r.open, r.high ?? null, r.volume ?? null]),
    ).toEqual([
      ['market_trades', '7', 10.5, null, null],
      ['candles', 1_786_309_500_000_000_000n, 1, null, null],
    ]);
    expect(out[1]).toMatchObject({ date: '2026-08-09', hour: '21' });
    expect(quarantine.entries.map((e) => [e.line, e.reason])).toEqual([
      [
        1,
        'events[0].trades[1].trade_id is not a non-empty string: 8; ' +
          'events[0].trades[2].time "2026-08-09" is not a timestamp (too short); ' +
          'events[0].trades[3].size is not a non-negative decimal string: "-2"; ' +
          'events[0].trades[4].side is not a non-empty string: ""',
      ],
      [
        2,
        'events[0].candles[0].high is not a decimal string: "x"; set to null; ' +
          'events[0].candles[1].start is not a string of epoch seconds: "2026-08-09"',
      ],
    ]);
  });
});
