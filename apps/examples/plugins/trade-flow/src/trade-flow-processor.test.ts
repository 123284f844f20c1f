import { checkRow, isPlugin, ProcessorRegistry, parseTimestampNs, type Row, silentLogger } from '@etl/core';
import { checkProcessorConformance } from '@etl/core/testing';
import { testProcessor } from '@etl/core/testing/vitest';
import { describe, expect, it } from 'vitest';
import plugin, { TradeFlowProcessor, tradeFlowSchema } from './index.js';

const t = (s: string): bigint => parseTimestampNs(s);

let id = 0;
function trade(product: string, time: string, size: number, side: string, extra: Row = {}): Row {
  return {
    channel: 'market_trades',
    product_id: product,
    trade_id: String(++id),
    price: 100,
    size,
    side,
    time: t(time),
    date: time.slice(0, 10),
    ...extra,
  };
}

const trades = (): Row[] => [
  trade('BTC-USD', '2026-08-09T21:05:10.100Z', 1, 'SELL'), // maker sold: a taker bought
  trade('ETH-USD', '2026-08-09T21:05:10.500Z', 3, 'BUY'),
  trade('BTC-USD', '2026-08-09T21:05:10.900Z', 2, 'BUY'),
  trade('BTC-USD', '2026-08-09T21:05:11Z', 0.5, 'BUY', { aggressor_side: 'buy' }), // the aggressor wins
];

describe('TradeFlowProcessor (hand-computed windows)', () => {
  it('closes a window when a later window of its product starts, and the rest at flush', () => {
    const flow = new TradeFlowProcessor({ windowMs: 1000 });
    const closed = flow.process(trades());
    expect(closed).toEqual([
      {
        product_id: 'BTC-USD',
        window_start: t('2026-08-09T21:05:10Z'),
        buy_volume: 1,
        sell_volume: 2,
        buy_trades: 1n,
        sell_trades: 1n,
        imbalance: (1 - 2) / 3,
        date: '2026-08-09',
      },
    ]);
    expect(flow.flush()).toEqual([
      {
        product_id: 'BTC-USD',
        window_start: t('2026-08-09T21:05:11Z'),
        buy_volume: 0.5,
        sell_volume: 0,
        buy_trades: 1n,
        sell_trades: 0n,
        imbalance: 1,
        date: '2026-08-09',
      },
      {
        product_id: 'ETH-USD',
        window_start: t('2026-08-09T21:05:10Z'),
        buy_volume: 0,
        sell_volume: 3,
        buy_trades: 0n,
        sell_trades: 1n,
        imbalance: -1,
        date: '2026-08-09',
      },
    ]);
    expect(flow.stats()).toMatchObject({ recordsIn: 4, recordsOut: 3, errors: 0 });
  });

  it("reads the legacy Exchange feed's lowercase maker side and skips trades without a direction", () => {
    const flow = new TradeFlowProcessor({ windowMs: 60_000 });
    flow.process([
      trade('SKL-USD', '2021-04-17T16:43:37.1Z', 450, 'sell'),
      trade('SKL-USD', '2021-04-17T16:43:37.2Z', 100, 'buy'),
      trade('SKL-USD', '2021-04-17T16:43:37.3Z', 7, 'UNKNOWN'),
      { channel: 'market_trades', product_id: 'SKL-USD', size: 1, side: 'BUY' }, // no time
    ]);
    expect(flow.flush()).toEqual([
      expect.objectContaining({ buy_volume: 450, sell_volume: 100, buy_trades: 1n, sell_trades: 1n }),
    ]);
    expect(flow.stats().counters).toEqual({ skipped: 2 });
  });

  it('emits rows that fit its declared schema', () => {
    const flow = new TradeFlowProcessor();
    for (const row of [...flow.process(trades()), ...flow.flush()])
      expect(checkRow(tradeFlowSchema(), row)).toEqual([]);
    expect(flow.outputSchema().fields.map((f) => f.name)).toEqual([
      'product_id',
      'window_start',
      'buy_volume',
      'sell_volume',
      'buy_trades',
      'sell_trades',
      'imbalance',
      'date',
    ]);
  });

  it('refuses a window that is not a positive whole number of milliseconds', () => {
    for (const windowMs of [0, -1, 1.5, Number.NaN])
      expect(() => new TradeFlowProcessor({ windowMs })).toThrow(RangeError);
  });
});

describe('the etl-plugin-trade-flow plugin', () => {
  it('is a definePlugin plugin whose trade-flow factory takes the config options (camelCased)', () => {
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin).toMatchObject({ name: 'etl-plugin-trade-flow', apiVersion: 1 });
    const registry = new ProcessorRegistry().register(plugin);
    expect(registry.names()).toEqual(['etl-plugin-trade-flow/trade-flow', 'trade-flow']);
    const flow = registry.create('trade-flow', { windowMs: 500 }) as TradeFlowProcessor;
    flow.process(trades());
    // 500 ms windows: BTC-USD 10.0, 10.5 and 11.0 each hold one trade.
    expect(flow.flush().map((r) => [r.product_id, r.window_start])).toEqual([
      ['BTC-USD', t('2026-08-09T21:05:11Z')],
      ['ETH-USD', t('2026-08-09T21:05:10.5Z')],
    ]);
    expect(registry.create('etl-plugin-trade-flow/trade-flow', {}).name).toBe('trade-flow');
  });

  it('passes the conformance kit through its factory (report form)', async () => {
    const report = await checkProcessorConformance({
      create: () => plugin.processors['trade-flow']!({ windowMs: 1000 }, { logger: silentLogger }) as never,
      batches: [trades().slice(0, 1), trades().slice(1)],
    });
    expect(report.failures).toEqual([]);
    expect(report.passed).toHaveLength(9);
  });
});

testProcessor('TradeFlowProcessor', {
  create: () => new TradeFlowProcessor({ windowMs: 1000 }),
  batches: [trades().slice(0, 2), [], trades().slice(2)],
});
