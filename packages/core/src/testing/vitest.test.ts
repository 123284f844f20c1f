import { describe, expect, it } from 'vitest';
import { ProcessorChain } from '../processor.js';
import { MinuteVwap, RAW_TRADE_SCHEMA, TradeDedup, TradeNormalizer } from './__fixtures__/processors.js';
import { CONFORMANCE_CHECKS } from './processor-conformance.js';
import { testProcessor } from './vitest.js';

const trade = (trade_id: string, time: string, price: string): Record<string, unknown> => ({
  product_id: 'BTC-USD',
  trade_id,
  price,
  size: '0.5',
  side: 'SELL',
  time: `2026-08-09T${time}Z`,
});

// Registers one vitest test per check; each must pass for this good processor.
testProcessor('trades-to-bars', {
  create: () => new ProcessorChain([new TradeNormalizer(), new TradeDedup(), new MinuteVwap()]),
  batches: [
    [trade('1', '21:05:42.514318', '65083.67'), trade('2', '21:05:59.9', '65083.66')],
    [trade('2', '21:05:59.9', '65083.66'), trade('3', '21:06:00.000000001', '65090')],
    [],
    [trade('4', '21:07:12.5', '65100.01')],
  ],
  inputSchema: RAW_TRADE_SCHEMA,
});

describe('testProcessor', () => {
  it('registers one test per check, named after the check', ({ task }) => {
    const suite = task.file.tasks.find((t) => t.name === 'trades-to-bars conforms to the Processor contract');
    expect(suite?.type).toBe('suite');
    const names = suite && 'tasks' in suite ? suite.tasks.map((t) => t.name) : [];
    expect(names).toEqual([...CONFORMANCE_CHECKS]);
  });
});
