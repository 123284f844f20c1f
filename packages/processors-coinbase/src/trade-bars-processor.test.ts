import {
  ConfigError,
  checkRow,
  MemoryQuarantine,
  ProcessorChain,
  parseTimestampNs,
  type Row,
  type SourceRecord,
} from '@etl/core';
import { testProcessor } from '@etl/core/testing/vitest';
import { describe, expect, it } from 'vitest';
import { readFixtureLines, readFixtureRecords, SEGMENT } from './__fixtures__/fixture-records.js';
import { RawParser } from './raw-parser.js';
import { marketTradesSchema } from './schemas.js';
import { barIntervalMs, TradeBarsProcessor, tradeBarsSchema } from './trade-bars-processor.js';
import { TradesProcessor } from './trades-processor.js';

const t = (s: string): bigint => parseTimestampNs(s);

let nextId = 1;
function trade(
  product: string,
  time: string,
  price: number,
  size: number,
  side: string,
  extra: Row = {},
): Row {
  const ns = t(time);
  return {
    product_id: product,
    trade_id: String(nextId++),
    price,
    size,
    side,
    time: ns,
    event_type: 'update',
    server_timestamp: ns,
    capture_timestamp: null,
    sequence_num: 1n,
    client_id: null,
    channel: 'market_trades',
    date: time.slice(0, 10),
    hour: time.slice(11, 13),
    ...extra,
  };
}

const crafted = (): Row[] => [
  trade('BTC-USD', '2026-08-09T21:05:10Z', 100, 1, 'SELL'),
  trade('ETH-USD', '2026-08-09T21:05:30Z', 10, 3, 'sell'),
  trade('BTC-USD', '2026-08-09T21:05:20.5Z', 102, 2, 'BUY'),
  trade('BTC-USD', '2026-08-09T21:05:59.999999999Z', 101, 1, 'SELL', { aggressor_side: 'sell' }),
  trade('BTC-USD', '2026-08-09T21:07:00Z', 99, 0.5, 'BUY'),
];

describe('TradeBarsProcessor on crafted trades (bars computed by hand)', () => {
  it('emits a bar when a later trade passes its end, the rest at flush, none for empty intervals', () => {
    const bars = new TradeBarsProcessor({ interval: '1m' });
    const rows = crafted();
    expect(bars.process(rows.slice(0, 4))).toEqual([]);
    const closed = bars.process(rows.slice(4));
    expect(closed).toEqual([
      {
        product_id: 'BTC-USD',
        bar_start: t('2026-08-09T21:05:00Z'),
        open: 100,
        high: 102,
        low: 100,
        close: 101,
        volume: 4,
        vwap: (100 * 1 + 102 * 2 + 101 * 1) / 4, // 101.25
        trades: 3n,
        buy_volume: 1, // the SELL maker side: a taker bought
        sell_volume: 3, // BUY maker side (2) + aggressor_side 'sell' overriding side SELL (1)
        date: '2026-08-09',
      },
    ]);
    expect(closed[0]!.vwap).toBe(101.25);
    const flushed = bars.flush();
    expect(flushed).toEqual([
      {
        product_id: 'BTC-USD',
        bar_start: t('2026-08-09T21:07:00Z'),
        open: 99,
        high: 99,
        low: 99,
        close: 99,
        volume: 0.5,
        vwap: 99,
        trades: 1n,
        buy_volume: 0,
        sell_volume: 0.5,
        date: '2026-08-09',
      },
      {
        product_id: 'ETH-USD',
        bar_start: t('2026-08-09T21:05:00Z'),
        open: 10,
        high: 10,
        low: 10,
        close: 10,
        volume: 3,
        vwap: 10,
        trades: 1n,
        buy_volume: 3, // Exchange-feed spelling 'sell' (maker) → taker buy
        sell_volume: 0,
        date: '2026-08-09',
      },
    ]);
    for (const bar of [...closed, ...flushed]) expect(checkRow(tradeBarsSchema, bar)).toEqual([]);
    expect(bars.stats()).toMatchObject({
      recordsIn: 5,
      recordsOut: 3,
      errors: 0,
      counters: { trades: 5, bars: 3, out_of_order: 0, late_trades: 0 },
    });
  });

  it('stamps bars at their UTC-aligned start and puts a bar crossing midnight on its own date', () => {
    const bars = new TradeBarsProcessor({ interval: '1h' });
    bars.process([
      trade('BTC-USD', '2026-08-09T23:59:59.5Z', 1, 1, 'BUY'),
      trade('BTC-USD', '2026-08-10T00:00:00Z', 2, 1, 'BUY'),
    ]);
    const out = bars.flush();
    expect(out.map((b) => [b.bar_start, b.date])).toEqual([[t('2026-08-10T00:00:00Z'), '2026-08-10']]);
    expect(bars.stats().counters.bars).toBe(2);
  });

  it('counts out-of-order trades: kept inside the open bar (open follows time), dropped when their bar is gone', () => {
    const bars = new TradeBarsProcessor({ interval: 60_000 });
    const out = bars.process([
      trade('BTC-USD', '2026-08-09T21:05:30Z', 100, 1, 'BUY'),
      trade('BTC-USD', '2026-08-09T21:05:10Z', 90, 1, 'BUY'), // earlier, same bar: becomes the open
      trade('BTC-USD', '2026-08-09T21:06:05Z', 110, 1, 'BUY'), // closes the 21:05 bar
      trade('BTC-USD', '2026-08-09T21:05:50Z', 80, 1, 'BUY'), // its bar was emitted: dropped
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ open: 90, close: 100, high: 100, low: 90, volume: 2, trades: 2n });
    expect(bars.flush()[0]).toMatchObject({ open: 110, close: 110, trades: 1n, volume: 1 });
    expect(bars.stats().counters).toMatchObject({ out_of_order: 2, late_trades: 1, trades: 4 });
  });

  it('drops rows of other channels, accepts trades without channel (Parquet projection), quarantines bad trades', () => {
    const quarantine = new MemoryQuarantine();
    const bars = new TradeBarsProcessor({ interval: '1m', quarantine });
    const parquetTrade: Row = {
      product_id: 'BTC-USD',
      trade_id: '7',
      price: 5,
      size: 2,
      side: 'SELL',
      time: t('2026-08-09T21:05:01Z'),
    };
    bars.process([
      { channel: 'l2_data', product_id: 'BTC-USD', price_level: 1, new_quantity: 1 },
      { channel: '_sequence', sequence_num: 3n },
      parquetTrade,
      trade('BTC-USD', '2026-08-09T21:05:02Z', Number.NaN, 1, 'BUY'),
      { ...trade('BTC-USD', '2026-08-09T21:05:03Z', 1, 1, 'BUY'), time: '2026-08-09T21:05:03Z' },
    ]);
    expect(bars.flush()).toEqual([
      expect.objectContaining({ volume: 2, vwap: 5, buy_volume: 2, sell_volume: 0, trades: 1n }),
    ]);
    const s = bars.stats();
    expect(s.errors).toBe(2);
    expect(s.counters).toMatchObject({ other_rows: 2, bad_trades: 2, trades: 1 });
    expect(quarantine.entries.map((e) => [e.file, e.line, e.stage])).toEqual([
      ['market_trades', 4, 'trade-bars'],
      ['market_trades', 5, 'trade-bars'],
    ]);
  });

  it('parses intervals and refuses nonsense with a ConfigError naming interval', () => {
    expect(barIntervalMs('1m')).toBe(60_000);
    expect(barIntervalMs('5m')).toBe(300_000);
    expect(barIntervalMs('1h')).toBe(3_600_000);
    expect(barIntervalMs('250ms')).toBe(250);
    expect(barIntervalMs('1d')).toBe(86_400_000);
    expect(barIntervalMs(1500)).toBe(1500);
    for (const bad of ['0m', 'm', '1w', '1.5ms', '', -5, 0, 1.5, Number.NaN] as never[]) {
      expect(() => new TradeBarsProcessor({ interval: bad })).toThrow(ConfigError);
    }
    expect(new TradeBarsProcessor({ interval: '5m' }).name).toBe('trade-bars(5m)');
  });

  it('carries open bars across inputs with checkpoint/restore (and refuses another interval)', () => {
    const rows = crafted();
    const whole = new TradeBarsProcessor({ interval: '1m' });
    const reference = [...whole.process(rows), ...whole.flush()];
    const first = new TradeBarsProcessor({ interval: '1m' });
    const part1 = first.process(rows.slice(0, 3));
    const state = JSON.parse(JSON.stringify(first.checkpoint()));
    const second = new TradeBarsProcessor({ interval: '1m' });
    second.restore(state);
    expect([...part1, ...second.process(rows.slice(3)), ...second.flush()]).toEqual(reference);
    expect(() => new TradeBarsProcessor({ interval: '5m' }).restore(state)).toThrow(/interval/);
    expect(() =>
      second.restore({ version: 1, intervalNs: '60000000000', bars: [{ product_id: 'X' }] }),
    ).toThrow(/invalid checkpoint/);
  });
});

testProcessor('TradeBarsProcessor', {
  create: () => new TradeBarsProcessor({ interval: '1m' }),
  batches: [crafted().slice(0, 2), crafted().slice(2, 4), [], crafted().slice(4)],
  inputSchema: marketTradesSchema,
});

describe('TradeBarsProcessor on the real BTC-USD segment', () => {
  it('matches 1-minute bars computed independently from the JSON', async () => {
    // Independent: unique trades straight from JSON.parse, bucketed by whole minutes.
    const seen = new Set<string>();
    const expected = new Map<
      bigint,
      { n: number; volume: number; notional: number; high: number; low: number; buy: number; sell: number }
    >();
    for (const line of await readFixtureLines(SEGMENT)) {
      const data = JSON.parse(line).data;
      if (data.channel !== 'market_trades') continue;
      for (const ev of data.events) {
        for (const tr of ev.trades) {
          if (seen.has(tr.trade_id)) continue;
          seen.add(tr.trade_id);
          const ns = t(tr.time);
          const minute = ns - (ns % 60_000_000_000n);
          const e = expected.get(minute) ?? {
            n: 0,
            volume: 0,
            notional: 0,
            high: -Infinity,
            low: Infinity,
            buy: 0,
            sell: 0,
          };
          const price = Number(tr.price);
          const size = Number(tr.size);
          e.n++;
          e.volume += size;
          e.notional += price * size;
          e.high = Math.max(e.high, price);
          e.low = Math.min(e.low, price);
          if (tr.side === 'SELL') e.buy += size;
          else e.sell += size;
          expected.set(minute, e);
        }
      }
    }
    const chain = new ProcessorChain<SourceRecord, Row>([
      new RawParser({ source: 'coinbase' }),
      new TradesProcessor(),
      new TradeBarsProcessor({ interval: '1m' }),
    ]);
    const records = await readFixtureRecords(SEGMENT);
    const bars: Row[] = [];
    for (let i = 0; i < records.length; i += 50) bars.push(...chain.process(records.slice(i, i + 50)));
    bars.push(...chain.flush());
    expect(seen.size).toBe(147);
    expect(bars.map((b) => b.bar_start)).toEqual([...expected.keys()].sort((a, b) => (a < b ? -1 : 1)));
    expect(bars.reduce((n, b) => n + Number(b.trades), 0)).toBe(147);
    for (const bar of bars) {
      const e = expected.get(bar.bar_start as bigint)!;
      expect(bar.trades).toBe(BigInt(e.n));
      expect(bar.volume).toBeCloseTo(e.volume, 12);
      expect(bar.vwap).toBeCloseTo(e.notional / e.volume, 8);
      expect([bar.high, bar.low]).toEqual([e.high, e.low]);
      expect(bar.buy_volume).toBeCloseTo(e.buy, 12);
      expect(bar.sell_volume).toBeCloseTo(e.sell, 12);
      expect(bar.open as number).toBeGreaterThanOrEqual(e.low);
      expect(bar.close as number).toBeLessThanOrEqual(e.high);
      expect(checkRow(tradeBarsSchema, bar)).toEqual([]);
    }
  });
});
