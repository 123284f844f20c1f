import {
  checkRow,
  MemoryQuarantine,
  ProcessorChain,
  parseTimestampNs,
  type Row,
  type SourceRecord,
} from '@etl/core';
import { testProcessor } from '@etl/core/testing/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixtureLines, readFixtureRecords } from './__fixtures__/fixture-records.js';
import { ExchangeFeedParser } from './exchange-feed-parser.js';
import { Level2Processor } from './level2-processor.js';
import { level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';
import { TradesProcessor } from './trades-processor.js';

const EXCHANGE = 'exchange-session-level2-ticker-matches-2021-04-17.ndjson';
const RECV = 'exchange-session-level2-ticker-matches-2021-04-17.recv.tsv';
const t = (s: string): bigint => parseTimestampNs(s);

function parseAll(parser: ExchangeFeedParser, records: readonly SourceRecord[], batch: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < records.length; i += batch) rows.push(...parser.process(records.slice(i, i + batch)));
  rows.push(...parser.flush());
  return rows;
}

const of = (rows: readonly Row[], channel: string) => rows.filter((r) => r.channel === channel);

describe('ExchangeFeedParser on the real 2021 Exchange capture (bare frames)', () => {
  let records: SourceRecord[];
  let rows: Row[];
  let parser: ExchangeFeedParser;
  let quarantine: MemoryQuarantine;
  const expected = {
    snapshotLevels: 0,
    changes: 0,
    matches: 0,
    lastMatches: 0,
    tickers: 0,
    subscriptions: 0,
  };

  beforeAll(async () => {
    // Independent counts straight from JSON.parse.
    for (const line of await readFixtureLines(EXCHANGE)) {
      const m = JSON.parse(line);
      if (m.type === 'snapshot') expected.snapshotLevels += m.bids.length + m.asks.length;
      if (m.type === 'l2update') expected.changes += m.changes.length;
      if (m.type === 'match') expected.matches++;
      if (m.type === 'last_match') expected.lastMatches++;
      if (m.type === 'ticker') expected.tickers++;
      if (m.type === 'subscriptions') expected.subscriptions++;
    }
    records = await readFixtureRecords(EXCHANGE);
    quarantine = new MemoryQuarantine();
    parser = new ExchangeFeedParser({ quarantine });
    rows = parseAll(parser, records, 97);
  });

  it('emits one level2 row per snapshot level and change, one trade per match, one row per ticker', () => {
    expect(expected).toEqual({
      snapshotLevels: 8362,
      changes: 9719,
      matches: 97,
      lastMatches: 10,
      tickers: 107,
      subscriptions: 3,
    });
    expect(of(rows, 'level2')).toHaveLength(expected.snapshotLevels + expected.changes);
    expect(of(rows, 'market_trades')).toHaveLength(expected.matches + expected.lastMatches);
    expect(of(rows, 'ticker')).toHaveLength(107);
    expect(of(rows, '_sequence')).toHaveLength(3);
    expect(rows).toHaveLength(18081 + 107 + 107 + 3);
    expect(quarantine.entries).toEqual([]);
    expect(parser.stats()).toMatchObject({
      recordsIn: 9946,
      recordsOut: rows.length,
      errors: 0,
      counters: {
        'messages:snapshot': 10,
        'messages:l2update': 9719,
        'rows:level2': 18081,
        'rows:market_trades': 107,
        'rows:ticker': 107,
        'rows:control': 3,
      },
    });
  });

  it('fits the Advanced Trade row contract (the same schemas)', () => {
    const schemas: Record<string, typeof level2Schema> = {
      level2: level2Schema,
      market_trades: marketTradesSchema,
      ticker: tickerSchema,
    };
    for (const row of rows) {
      const schema = schemas[row.channel as string];
      if (!schema) continue;
      expect(checkRow(schema, row)).toEqual([]);
      expect(Object.keys(row).sort()).toEqual(schema.fields.map((f) => f.name).sort());
    }
  });

  it('maps an l2update change: sell → offer/ask, its time as event_time and message time', () => {
    // line 31: {"type":"l2update","product_id":"SKL-BTC","changes":[["sell","0.00001306","660.5"]],"time":"2021-04-17T16:43:37.075687Z"}
    const first = of(rows, 'level2').find((r) => !r.is_snapshot);
    expect(first).toEqual({
      product_id: 'SKL-BTC',
      event_type: 'update',
      is_snapshot: false,
      side: 'offer',
      side_normalized: 'ask',
      price_level: 0.00001306,
      new_quantity: 660.5,
      event_time: t('2021-04-17T16:43:37.075687Z'),
      server_timestamp: t('2021-04-17T16:43:37.075687Z'),
      capture_timestamp: null,
      sequence_num: null,
      client_id: null,
      channel: 'level2',
      date: '2021-04-17',
      hour: '16',
    });
    const buys = of(rows, 'level2').filter((r) => !r.is_snapshot && r.side === 'bid');
    expect(buys.length).toBeGreaterThan(0);
    expect(buys.every((r) => r.side_normalized === 'bid')).toBe(true);
  });

  it('stamps untimed snapshots with the first live time of the capture (bids first, then asks)', () => {
    const band = of(rows, 'level2').filter((r) => r.product_id === 'BAND-GBP' && r.is_snapshot);
    expect(band).toHaveLength(152 + 166);
    expect(band.slice(0, 152).every((r) => r.side === 'bid')).toBe(true);
    expect(band.slice(152).every((r) => r.side === 'offer' && r.side_normalized === 'ask')).toBe(true);
    expect(band[0]).toMatchObject({
      price_level: 14.7693,
      new_quantity: 27.51,
      event_type: 'snapshot',
      event_time: null,
    });
    // Snapshots carry no time; the first l2update of the capture (line 31) is the first live time.
    expect(new Set(band.map((r) => r.server_timestamp))).toEqual(new Set([t('2021-04-17T16:43:37.075687Z')]));
    // Held rows still come out in wire order: subscriptions (lines 1–2), then BAND-GBP's snapshot (line 3).
    expect(rows.slice(0, 3).map((r) => [r.channel, r.source_channel ?? r.product_id])).toEqual([
      ['_sequence', 'subscriptions'],
      ['_sequence', 'subscriptions'],
      ['level2', 'BAND-GBP'],
    ]);
    expect(rows[0]!.server_timestamp).toBeNull();
  });

  it('maps last_match/match to trades (side as sent: the maker side) and tickers with a derived % change', () => {
    // line 7: last_match 881613 BAND-GBP sell 0.04 @ 14.7775 at 16:43:30.244075Z
    expect(of(rows, 'market_trades')[0]).toEqual({
      product_id: 'BAND-GBP',
      trade_id: '881613',
      price: 14.7775,
      size: 0.04,
      side: 'sell',
      time: t('2021-04-17T16:43:30.244075Z'),
      event_type: 'snapshot',
      server_timestamp: t('2021-04-17T16:43:30.244075Z'),
      capture_timestamp: null,
      sequence_num: null,
      client_id: null,
      channel: 'market_trades',
      date: '2021-04-17',
      hour: '16',
    });
    expect(of(rows, 'market_trades').filter((r) => r.event_type === 'update')).toHaveLength(97);
    // line 5: ticker BAND-GBP price 14.7775, open_24h 14.6647, best_bid 14.7550, best_ask 14.8060
    expect(of(rows, 'ticker')[0]).toMatchObject({
      product_id: 'BAND-GBP',
      ticker_type: 'ticker',
      price: 14.7775,
      volume_24h: 94381.28,
      low_24h: 14.3691,
      high_24h: 16.55,
      low_52w: null,
      high_52w: null,
      best_bid: 14.755,
      best_bid_quantity: null,
      best_ask: 14.806,
      best_ask_quantity: null,
      event_type: null,
      server_timestamp: t('2021-04-17T16:43:30.244075Z'),
    });
    expect(of(rows, 'ticker')[0]!.price_percent_chg_24h).toBeCloseTo((14.7775 / 14.6647 - 1) * 100, 12);
    expect(of(rows, '_sequence')[2]).toMatchObject({
      source_channel: 'subscriptions',
      subscriptions: { ticker: expect.any(Array), matches: expect.any(Array), level2: expect.any(Array) },
    });
  });

  it('gives the same rows whatever the batching', () => {
    const again = parseAll(new ExchangeFeedParser(), records, 1);
    const whole = parseAll(new ExchangeFeedParser(), records, records.length);
    expect(again).toEqual(rows);
    expect(whole).toEqual(rows);
  });

  it('rebuilds books that are valid after each snapshot and never crossed (Level2Processor, sequenceCheck off)', () => {
    const chain = new ProcessorChain<SourceRecord, Row>([
      new ExchangeFeedParser(),
      new Level2Processor({ computeFeatures: true, sequenceCheck: 'off', annotateTrades: true }),
      new TradesProcessor({ inferAggressor: true }),
    ]);
    const out: Row[] = [];
    for (let i = 0; i < records.length; i += 500) out.push(...chain.process(records.slice(i, i + 500)));
    out.push(...chain.flush());
    const level2 = of(out, 'level2');
    expect(level2).toHaveLength(18081);
    expect(level2.every((r) => r.book_valid === true)).toBe(true);
    expect(level2.every((r) => (r.best_bid_price as number) < (r.best_ask_price as number))).toBe(true);
    expect(of(out, 'quality')).toEqual([]);
    // Independent rebuild: Maps of price → size per product, applied in wire order.
    const books = new Map<string, { bids: Map<string, number>; asks: Map<string, number> }>();
    for (const r of records) {
      const m = r.value as {
        type: string;
        product_id: string;
        bids: [string, string][];
        asks: [string, string][];
        changes: [string, string, string][];
      };
      if (m.type === 'snapshot') {
        books.set(m.product_id, {
          bids: new Map(m.bids.map(([p, q]) => [p, Number(q)])),
          asks: new Map(m.asks.map(([p, q]) => [p, Number(q)])),
        });
      } else if (m.type === 'l2update') {
        const b = books.get(m.product_id)!;
        for (const [side, price, size] of m.changes) {
          const levels = side === 'buy' ? b.bids : b.asks;
          if (Number(size) === 0) levels.delete(price);
          else levels.set(price, Number(size));
        }
      }
    }
    for (const [product, b] of books) {
      const last = level2.filter((r) => r.product_id === product).at(-1)!;
      expect([last.best_bid_price, last.best_ask_price]).toEqual([
        Math.max(...[...b.bids.keys()].map(Number)),
        Math.min(...[...b.asks.keys()].map(Number)),
      ]);
    }
    const trades = of(out, 'market_trades');
    const stamped = trades.filter((r) => r.best_bid_price !== null);
    expect(stamped.length).toBeGreaterThan(90);
  });
});

describe('ExchangeFeedParser on the capture wrapped in collector envelopes', () => {
  it('takes untimed snapshots’ time from capture_ts and keeps capture_timestamp on every row', async () => {
    const lines = await readFixtureLines(EXCHANGE);
    const recv = (await readFixtureLines(RECV)).slice(1).map((l) => Number(l.split('\t')[1]));
    const records: SourceRecord[] = lines.map((line, i) => {
      const micros = BigInt(Math.round(recv[i]! * 1e6));
      const capture = new Date(Number(micros / 1000n))
        .toISOString()
        .replace('Z', `${String(micros % 1000n).padStart(3, '0')}+00:00`);
      const data = JSON.parse(line);
      return {
        file: 'seg.ndjson',
        line: i + 1,
        bytes: 0,
        value: { capture_ts: capture, data, metadata: { source: 'coinbase-exchange', channel: data.type } },
      };
    });
    const parser = new ExchangeFeedParser();
    const rows = parseAll(parser, records, 256);
    expect(of(rows, 'level2')).toHaveLength(18081);
    const snap = of(rows, 'level2').find((r) => r.product_id === 'BAND-GBP' && r.is_snapshot)!;
    // line 3 was received at 1618677817.062… (recv.tsv): the snapshot takes that instant.
    expect(snap.server_timestamp).toBe(BigInt(Math.round(recv[2]! * 1e6)) * 1000n);
    expect(snap.capture_timestamp).toBe(snap.server_timestamp);
    expect(rows.every((r) => typeof r.capture_timestamp === 'bigint')).toBe(true);
    expect(parser.stats().counters).toMatchObject({ time_from_capture: 13 });
    expect(parser.stats().counters.messages_held_for_time).toBeUndefined();
  });
});

/** The conformance kit, once per dataset the parser can be limited to. */
const conformanceRecords = (await readFixtureRecords(EXCHANGE)).slice(0, 60) as unknown as Row[];
for (const channel of ['level2', 'matches', 'ticker']) {
  testProcessor(`ExchangeFeedParser({ channel: '${channel}' })`, {
    create: () => new ExchangeFeedParser({ channel }) as never,
    batches: [
      conformanceRecords.slice(0, 7),
      conformanceRecords.slice(7, 31),
      [],
      conformanceRecords.slice(31),
    ],
  });
}
