import { ConfigError, checkRow, MemoryQuarantine, type Row } from '@etl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixtureLines, readFixtureRecords, SEGMENT } from './__fixtures__/fixture-records.js';
import { RawParser } from './raw-parser.js';
import { candlesSchema, level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';

/** Epoch ns computed independently of the parser: Date.UTC for the seconds, the digits for the rest. */
function ns(
  year: number,
  month: number,
  day: number,
  h: number,
  m: number,
  s: number,
  fraction: bigint,
): bigint {
  return BigInt(Date.UTC(year, month - 1, day, h, m, s)) * 1_000_000n + fraction;
}

const byChannel = (rows: Row[], ...channels: string[]) =>
  rows.filter((r) => channels.includes(r.channel as string));

describe('RawParser on the real Advanced Trade segment', () => {
  let rows: Row[];
  let parser: RawParser;
  let quarantine: MemoryQuarantine;
  const expected = {
    level2: 0,
    trades: 0,
    tickers: 0,
    candles: 0,
    heartbeats: 0,
    subscriptions: 0,
    lines: 0,
  };

  beforeAll(async () => {
    // Independent counts straight from JSON.parse.
    for (const line of await readFixtureLines(SEGMENT)) {
      const data = JSON.parse(line).data;
      expected.lines++;
      for (const ev of data.events) {
        if (data.channel === 'l2_data') expected.level2 += ev.updates.length;
        if (data.channel === 'market_trades') expected.trades += ev.trades.length;
        if (data.channel === 'ticker') expected.tickers += ev.tickers.length;
        if (data.channel === 'candles') expected.candles += ev.candles.length;
      }
      if (data.channel === 'heartbeats') expected.heartbeats++;
      if (data.channel === 'subscriptions') expected.subscriptions++;
    }
    quarantine = new MemoryQuarantine();
    parser = new RawParser({ source: 'coinbase', quarantine });
    const records = await readFixtureRecords(SEGMENT);
    // Several batches, as a reader would deliver them.
    rows = [];
    for (let i = 0; i < records.length; i += 37) rows.push(...parser.process(records.slice(i, i + 37)));
  });

  it('emits one row per entry and one control row per control message', () => {
    expect(expected.level2).toBe(47_930);
    expect(byChannel(rows, 'l2_data')).toHaveLength(expected.level2);
    expect(byChannel(rows, 'market_trades')).toHaveLength(expected.trades);
    expect(byChannel(rows, 'ticker', 'ticker_batch')).toHaveLength(expected.tickers);
    expect(byChannel(rows, 'candles')).toHaveLength(expected.candles);
    expect(byChannel(rows, '_sequence')).toHaveLength(expected.heartbeats + expected.subscriptions);
    expect(rows).toHaveLength(
      expected.level2 +
        expected.trades +
        expected.tickers +
        expected.candles +
        expected.heartbeats +
        expected.subscriptions,
    );
    expect(quarantine.entries).toEqual([]);
  });

  it('reports stats', () => {
    const s = parser.stats();
    expect(s.recordsIn).toBe(expected.lines);
    expect(s.recordsOut).toBe(rows.length);
    expect(s.errors).toBe(0);
    expect(s.counters).toMatchObject({
      'messages:l2_data': 400,
      'messages:market_trades': 40,
      'messages:ticker': 73,
      'messages:candles': 3,
      'messages:heartbeats': 25,
      'messages:subscriptions': 5,
      'rows:level2': expected.level2,
      'rows:market_trades': expected.trades,
      'rows:ticker': expected.tickers,
      'rows:candles': expected.candles,
      'rows:control': 30,
      heartbeats: 25,
      subscriptions: 5,
    });
  });

  it('keeps wire order: sequence numbers never go back', () => {
    let last = -1n;
    for (const r of rows) {
      const seq = r.sequence_num as bigint;
      expect(seq >= last).toBe(true);
      last = seq;
    }
    expect(last).toBe(1028n);
  });

  it('gives exact values for the first snapshot level', () => {
    const first = byChannel(rows, 'l2_data')[0]!;
    expect(first).toEqual({
      product_id: 'BTC-USD',
      event_type: 'snapshot',
      is_snapshot: true,
      side: 'bid',
      side_normalized: 'bid',
      price_level: 65083.66,
      new_quantity: 0.20371215,
      event_time: ns(2026, 8, 9, 21, 5, 48, 170_326_000n),
      server_timestamp: ns(2026, 8, 9, 21, 5, 48, 483_587_501n),
      capture_timestamp: ns(2026, 8, 9, 21, 5, 48, 848_051_000n),
      sequence_num: 13n,
      client_id: null,
      channel: 'l2_data',
      date: '2026-08-09',
      hour: '21',
    });
    const snapshot = byChannel(rows, 'l2_data').filter((r) => r.is_snapshot);
    expect(snapshot.filter((r) => r.side === 'bid')).toHaveLength(18_764);
    expect(snapshot.filter((r) => r.side === 'offer')).toHaveLength(27_236);
    const asks = byChannel(rows, 'l2_data').filter((r) => r.side === 'offer');
    expect(asks[0]).toMatchObject({ side: 'offer', side_normalized: 'ask', price_level: 65083.67 });
  });

  it('gives exact values for trades, tickers, candles and control rows', () => {
    const ticker = byChannel(rows, 'ticker')[0]!;
    expect(ticker).toEqual({
      product_id: 'BTC-USD',
      ticker_type: 'ticker',
      price: 65086.18,
      volume_24h: 2867.54532609,
      low_24h: 64675.22,
      high_24h: 65252.99,
      low_52w: 57717.55,
      high_52w: 126296,
      price_percent_chg_24h: 0.09601107287722,
      best_bid: 65083.66,
      best_bid_quantity: 0.20371215,
      best_ask: 65083.67,
      best_ask_quantity: 0.24290402,
      event_type: 'snapshot',
      server_timestamp: ns(2026, 8, 9, 21, 5, 48, 229_198_328n),
      capture_timestamp: ns(2026, 8, 9, 21, 5, 48, 642_822_000n),
      sequence_num: 6n,
      client_id: null,
      channel: 'ticker',
      date: '2026-08-09',
      hour: '21',
    });
    const candle = byChannel(rows, 'candles')[0]!;
    expect(candle).toMatchObject({
      product_id: 'BTC-USD',
      start: 1_786_264_200_000_000_000n,
      open: 64830.72,
      high: 64841.44,
      low: 64830.71,
      close: 64841.44,
      volume: 1.3176821,
      date: '2026-08-09',
      hour: '8',
    });
    const trade = byChannel(rows, 'market_trades').find((r) => r.trade_id === '1068572091')!;
    expect(trade).toMatchObject({
      price: 65083.67,
      size: 0.01034361,
      side: 'SELL',
      time: ns(2026, 8, 9, 21, 5, 48, 167_634_000n),
      event_type: 'update',
      sequence_num: 9n,
    });
    const control = byChannel(rows, '_sequence');
    expect(control[0]).toEqual({
      channel: '_sequence',
      source_channel: 'subscriptions',
      sequence_num: 2n,
      server_timestamp: ns(2026, 8, 9, 21, 5, 48, 228_846_629n),
      capture_timestamp: ns(2026, 8, 9, 21, 5, 48, 631_147_000n),
      subscriptions: { market_trades: ['BTC-USD', 'ETH-USD'] },
    });
    const heartbeat = control.find((r) => r.source_channel === 'heartbeats')!;
    expect(heartbeat).toMatchObject({
      sequence_num: 35n,
      current_time: ns(2026, 8, 9, 21, 5, 48, 854_840_045n),
      heartbeat_counter: 41691n,
    });
  });

  it('fits the declared schemas and never partitions into 1970', () => {
    const schemas: Record<string, typeof level2Schema> = {
      l2_data: level2Schema,
      market_trades: marketTradesSchema,
      ticker: tickerSchema,
      candles: candlesSchema,
    };
    for (const r of rows) {
      const schema = schemas[r.channel as string];
      if (!schema) continue;
      const problems = checkRow(schema, r);
      if (problems.length) expect.fail(`${JSON.stringify(problems)} in ${String(r.channel)}`);
      expect(r.date).not.toBe('1970-01-01');
      expect(Object.keys(r)).toEqual(schema.fields.map((f) => f.name));
    }
  });

  it('puts the trades of each frame in time order (newest-first on the wire)', () => {
    const frames = new Map<bigint, Row[]>();
    for (const r of byChannel(rows, 'market_trades')) {
      const seq = r.sequence_num as bigint;
      frames.set(seq, [...(frames.get(seq) ?? []), r]);
    }
    let ties = 0;
    for (const trades of frames.values()) {
      for (let i = 1; i < trades.length; i++) {
        const a = trades[i - 1]!;
        const b = trades[i]!;
        expect((a.time as bigint) <= (b.time as bigint)).toBe(true);
        if (a.time === b.time) {
          ties++;
          expect(BigInt(a.trade_id as string) < BigInt(b.trade_id as string)).toBe(true);
        }
      }
    }
    expect(ties).toBe(13);
    const snapshot = frames.get(0n)!;
    expect(snapshot).toHaveLength(100);
    expect(snapshot[99]!.trade_id).toBe('1068572090');
  });

  it('gives the same data rows from the bare single-channel files (minus capture time)', async () => {
    const files = [
      ['advanced-l2_data-BTC-USD.ndjson', 'l2_data'],
      ['advanced-market_trades-BTC-USD.ndjson', 'market_trades'],
      ['advanced-ticker-BTC-USD.ndjson', 'ticker'],
      ['advanced-candles-BTC-USD.ndjson', 'candles'],
    ] as const;
    for (const [file, channel] of files) {
      const bare = new RawParser({ source: 'coinbase' }).process(await readFixtureRecords(file));
      const fromSegment = byChannel(rows, channel).map((r) => ({ ...r, capture_timestamp: null }));
      expect(bare.every((r) => r.capture_timestamp === null)).toBe(true);
      expect(byChannel(bare, channel)).toEqual(fromSegment);
    }
    const control = new RawParser({ source: 'coinbase' }).process(
      await readFixtureRecords('advanced-heartbeats-subscriptions.ndjson'),
    );
    expect(control).toEqual(byChannel(rows, '_sequence').map((r) => ({ ...r, capture_timestamp: null })));
  });
});

describe('RawParser channel option', () => {
  it('emits only that dataset and no control rows', async () => {
    const records = await readFixtureRecords(SEGMENT);
    const trades = new RawParser({ source: 'coinbase', channel: 'market_trades' });
    const out = trades.process(records);
    expect(out).toHaveLength(147);
    expect(out.every((r) => r.channel === 'market_trades')).toBe(true);
    expect(trades.outputSchema()).toBe(marketTradesSchema);
    expect(trades.stats().counters.skipped_other_channels).toBe(546 - 40);

    const level2 = new RawParser({ source: 'coinbase', channel: 'level2' });
    expect(level2.process(records)).toHaveLength(47_930);
    expect(new RawParser({ source: 'coinbase', channel: 'l2_data' }).outputSchema()).toBe(level2Schema);
    expect(new RawParser({ source: 'coinbase', channel: 'ticker_batch' }).outputSchema()).toBe(tickerSchema);
    expect(new RawParser({ source: 'coinbase', channel: 'candles' }).outputSchema()).toBe(candlesSchema);
    expect(new RawParser({ source: 'coinbase' }).outputSchema()).toBeUndefined();
  });

  it('refuses unknown channels and sources', () => {
    expect(() => new RawParser({ source: 'coinbase', channel: 'constructor' })).toThrow(ConfigError);
    expect(() => new RawParser({ source: 'kraken' as 'coinbase' })).toThrow(/coinbase/);
  });
});
