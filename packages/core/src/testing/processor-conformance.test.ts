import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { definePlugin, ProcessorRegistry } from '../plugin.js';
import { mapProcessor, type Processor, ProcessorChain } from '../processor.js';
import type { Row } from '../reader.js';
import { col, defineSchema, extendSchema } from '../schema.js';
import {
  BAR_SCHEMA,
  BigintCheckpointVwap,
  CallCountingVwap,
  checkpointOnlyVwap,
  MapCheckpointVwap,
  MinuteVwap,
  MutatingNormalizer,
  PerBatchDedup,
  RAW_TRADE_SCHEMA,
  SchemalessVwap,
  SequencedVwap,
  TRADE_SCHEMA,
  TradeDedup,
  TradeNormalizer,
  UncountedFlushVwap,
  UndeclaredColumnVwap,
  UndefinedFlushVwap,
  UnnamedVwap,
  WrongTypeVwap,
} from './__fixtures__/processors.js';
import {
  CONFORMANCE_CHECKS,
  type ConformanceOptions,
  checkProcessorConformance,
} from './processor-conformance.js';

const TRADES_FILE = fileURLToPath(
  new URL('../../../../tooling/fixtures/coinbase/advanced-market_trades-BTC-USD.ndjson', import.meta.url),
);

const trade = (product_id: string, trade_id: string, time: string, price: string, size: string): Row => ({
  product_id,
  trade_id,
  price,
  size,
  side: 'BUY',
  time: `2024-03-15T${time}Z`,
});

/** Two products over three minutes, a late trade, a repeated trade and an empty batch. */
const RAW_BATCHES: Row[][] = [
  [
    trade('BTC-USD', '1', '12:00:05', '100', '1'),
    trade('ETH-USD', '2', '12:00:10', '10', '2'),
    trade('BTC-USD', '3', '12:00:30.5', '102', '1'),
  ],
  [
    trade('BTC-USD', '4', '12:01:00', '101', '2'),
    trade('BTC-USD', '5', '12:00:59.999999999', '99', '1'),
    trade('ETH-USD', '6', '12:00:50', '11', '2'),
  ],
  [trade('BTC-USD', '4', '12:01:00', '101', '2'), trade('ETH-USD', '7', '12:02:00', '12', '1')],
  [],
  [trade('BTC-USD', '8', '12:02:30', '103', '0.5')],
];

const TYPED_BATCHES = RAW_BATCHES.map((batch) => new TradeNormalizer().process(batch));

const minute = (hhmm: string): bigint => BigInt(Date.parse(`2024-03-15T${hhmm}:00Z`)) * 1_000_000n;

const tradeChain = (): Processor =>
  new ProcessorChain([new TradeNormalizer(), new TradeDedup(), new MinuteVwap()], 'trades-to-bars');

async function failedChecks(options: ConformanceOptions): Promise<Record<string, string>> {
  const report = await checkProcessorConformance(options);
  expect([...report.passed, ...report.failures.map((f) => f.check)].sort()).toEqual(
    [...CONFORMANCE_CHECKS].sort(),
  );
  return Object.fromEntries(report.failures.map((f) => [f.check, f.detail]));
}

/** Raw trade rows of the real capture, one batch per WebSocket frame, as Coinbase sent them. */
async function realTradeBatches(): Promise<Row[][]> {
  const batches: Row[][] = [];
  const lines = createInterface({
    input: createReadStream(TRADES_FILE, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (!line) continue;
    const message = JSON.parse(line);
    batches.push(message.events.flatMap((event: { trades: Row[] }) => event.trades));
  }
  return batches;
}

describe('the example processors compute what they should', () => {
  it('trades-to-bars emits the expected bars', () => {
    const chain = tradeChain();
    const out = [...RAW_BATCHES.flatMap((b) => chain.process(b)), ...(chain.flush?.() ?? [])];
    expect(out).toEqual([
      { product_id: 'BTC-USD', window_start: minute('12:00'), vwap: 101, volume: 2, trades: 2 },
      { product_id: 'ETH-USD', window_start: minute('12:00'), vwap: 10.5, volume: 4, trades: 2 },
      { product_id: 'BTC-USD', window_start: minute('12:01'), vwap: 101, volume: 2, trades: 1 },
      { product_id: 'BTC-USD', window_start: minute('12:02'), vwap: 103, volume: 0.5, trades: 1 },
      { product_id: 'ETH-USD', window_start: minute('12:02'), vwap: 12, volume: 1, trades: 1 },
    ]);
    const stages = chain.stats().stages ?? [];
    expect(stages.map((s) => s.counters)).toEqual([{}, { duplicates: 1 }, { late: 1 }]);
    expect(chain.outputSchema(RAW_TRADE_SCHEMA)).toBe(BAR_SCHEMA);
  });
});

describe('checkProcessorConformance: good processors pass every check', () => {
  const cases: [string, ConformanceOptions][] = [
    ['a chain', { create: tradeChain, batches: RAW_BATCHES, inputSchema: RAW_TRADE_SCHEMA }],
    [
      'a stateful processor with flush and checkpoint',
      { create: () => new MinuteVwap(), batches: TYPED_BATCHES },
    ],
    [
      'a filter with checkpoint',
      { create: () => new TradeDedup(), batches: TYPED_BATCHES, inputSchema: TRADE_SCHEMA },
    ],
    ['a stateless processor', { create: () => new TradeNormalizer(), batches: RAW_BATCHES }],
    [
      'a mapProcessor',
      {
        create: () =>
          mapProcessor<Row, Row>(
            'notional',
            (r) => ({ ...r, notional: (r.price as number) * (r.size as number) }),
            (input) => input && extendSchema(input, [col.double('notional')]),
          ),
        batches: TYPED_BATCHES,
        inputSchema: TRADE_SCHEMA,
      },
    ],
    ['no input at all', { create: tradeChain, batches: [], inputSchema: RAW_TRADE_SCHEMA }],
  ];
  for (const [label, options] of cases) {
    it(label, async () => {
      const report = await checkProcessorConformance(options);
      expect(report.failures).toEqual([]);
      expect(report.passed).toEqual([...CONFORMANCE_CHECKS]);
    });
  }

  it('a processor made by a plugin through the registry', async () => {
    const registry = new ProcessorRegistry().register(
      definePlugin({
        name: 'etl-bars',
        version: '1.0.0',
        processors: { 'minute-vwap': () => new MinuteVwap() },
      }),
    );
    const report = await checkProcessorConformance({
      create: () => registry.create('minute-vwap'),
      batches: TYPED_BATCHES,
    });
    expect(report.failures).toEqual([]);
  });

  it('the chain on the real Coinbase trades, one batch per frame', async () => {
    const batches = await realTradeBatches();
    expect(batches).toHaveLength(40);
    expect(batches.flat()).toHaveLength(147);
    const report = await checkProcessorConformance({
      create: tradeChain,
      batches,
      inputSchema: RAW_TRADE_SCHEMA,
    });
    expect(report.failures).toEqual([]);
    // And the values: every trade lands in a bar or is counted late (trades arrive newest first).
    const chain = tradeChain();
    const bars = [...batches.flatMap((b) => chain.process(b)), ...(chain.flush?.() ?? [])];
    const stages = chain.stats().stages ?? [];
    const late = stages[2]?.counters.late ?? 0;
    expect(stages[1]?.counters.duplicates ?? 0).toBe(0);
    expect(bars.reduce((n, bar) => n + (bar.trades as number), 0) + late).toBe(147);
    expect(bars.map((bar) => bar.product_id)).toEqual(bars.map(() => 'BTC-USD'));
    for (const bar of bars) expect(bar.vwap as number).toBeGreaterThan(60_000);
  });
});

describe('checkProcessorConformance: each broken processor fails its check', () => {
  it('name', async () => {
    const failed = await failedChecks({ create: () => new UnnamedVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({ name: 'name must be a non-empty string, got ""' });
  });

  it('input not mutated: says which value changed, and leaves the caller input alone', async () => {
    const batches = RAW_BATCHES.map((b) => b.map((r) => ({ ...r })));
    const failed = await failedChecks({ create: () => new MutatingNormalizer(), batches });
    expect(Object.keys(failed)).toEqual(['input not mutated']);
    expect(failed['input not mutated']).toBe(
      'process() changed 9 input row(s), first row 0 of batch 0 (before vs after): .price: "100" vs 100; ' +
        'processors must not modify their input: copy a row ({ ...row }) before changing it',
    );
    expect(batches).toEqual(RAW_BATCHES);
  });

  it('input not mutated: deep-frozen input catches writes that leave no trace', async () => {
    // Writes a value and puts the old one back: the before/after comparison cannot see it.
    const sneaky = mapProcessor<Row, Row>('sneaky', (row) => {
      const price = row.price;
      row.price = 'scratch';
      row.price = price;
      return { ...row };
    });
    const failed = await failedChecks({ create: () => sneaky, batches: RAW_BATCHES });
    expect(Object.keys(failed)).toContain('input not mutated');
    expect(failed['input not mutated']).toMatch(
      /^given deep-frozen input rows, process\(batch 0\) threw TypeError: Cannot assign to read only property 'price'/,
    );
  });

  it('determinism (and everything else that compares fresh instances)', async () => {
    const failed = await failedChecks({ create: () => new SequencedVwap(), batches: TYPED_BATCHES });
    expect(Object.keys(failed).sort()).toEqual([
      'batching independence',
      'checkpoint/restore',
      'determinism',
    ]);
    expect(failed.determinism).toMatch(
      /^two fresh instances fed the same batches emitted different rows \(first vs second\): \[0\]\.seq: \d+ vs \d+ \(rows: \{"product_id":"BTC-USD","window_start":1710504000000000000n,/,
    );
  });

  it('output schema: a wrong type, in process and flush rows alike', async () => {
    const failed = await failedChecks({ create: () => new WrongTypeVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({
      'output schema':
        '5 of 5 emitted rows do not fit their schema: batch 1 row 0: trades expects a bigint, got number | ' +
        'batch 2 row 0: trades expects a bigint, got number | batch 4 row 0: trades expects a bigint, got number | ' +
        'flush() row 0: trades expects a bigint, got number | flush() row 1: trades expects a bigint, got number',
    });
  });

  it('output schema: an undeclared column', async () => {
    const failed = await failedChecks({ create: () => new UndeclaredColumnVwap(), batches: TYPED_BATCHES });
    expect(Object.keys(failed)).toEqual(['output schema']);
    expect(failed['output schema']).toContain('batch 1 row 0: column "debug" is not in outputSchema');
  });

  it('output schema: none declared', async () => {
    const failed = await failedChecks({ create: () => new SchemalessVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({
      'output schema':
        'outputSchema(schema guessed from the input rows) returned undefined: declare the columns the processor emits (or pass severalShapes: true for a processor that emits rows of several shapes)',
    });
  });

  it('stats: flushed rows not counted', async () => {
    const failed = await failedChecks({ create: () => new UncountedFlushVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({
      stats:
        'stats().recordsOut after flush() is 3, expected 5 (the rows emitted so far, flushed rows included)',
    });
  });

  it('stats: recordsIn counted twice, negative counters', async () => {
    const doubleCounting = (): Processor => {
      const p = mapProcessor<Row, Row>('double', (r) => r);
      const original = p.process.bind(p);
      p.process = (batch) => {
        original(batch);
        return original(batch);
      };
      return p;
    };
    const failed = await failedChecks({
      create: doubleCounting,
      batches: TYPED_BATCHES,
      inputSchema: TRADE_SCHEMA,
    });
    expect(failed).toEqual({
      stats: 'stats().recordsIn after batch 0 is 6, expected 3 (the rows fed so far)',
    });
    const negative = (): Processor => {
      const p = new MinuteVwap();
      const stats = p.stats.bind(p);
      p.stats = () => ({ ...stats(), counters: { late: -1 } });
      return p;
    };
    expect((await failedChecks({ create: negative, batches: TYPED_BATCHES })).stats).toBe(
      'stats().counters.late on a fresh instance is -1, expected a finite non-negative number',
    );
  });

  it('empty batch', async () => {
    const failed = await failedChecks({ create: () => new CallCountingVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({
      'empty batch':
        'process([]) on a fresh instance changed stats() (before vs after): .counters.batches: missing vs 1',
    });
  });

  it('flush', async () => {
    const failed = await failedChecks({ create: () => new UndefinedFlushVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({ flush: 'flush() with no input returned undefined, expected an array of rows' });
  });

  it('batching independence', async () => {
    const failed = await failedChecks({
      create: () => new PerBatchDedup(),
      batches: TYPED_BATCHES,
      inputSchema: TRADE_SCHEMA,
    });
    expect(Object.keys(failed)).toEqual(['batching independence']);
    expect(failed['batching independence']).toBe(
      'feeding all 9 rows as one batch instead of the given 5 batches changed the output ' +
        '(given vs all 9 rows as one batch): [6].product_id: "BTC-USD" vs "ETH-USD" (rows: ' +
        '{"product_id":"BTC-USD","trade_id":"4","price":101,"size":2,"side":"BUY","time":1710504060000000000n} vs ' +
        '{"product_id":"ETH-USD","trade_id":"7","price":12,"size":1,"side":"BUY","time":1710504120000000000n})',
    );
  });

  it('checkpoint/restore: not JSON-serialisable', async () => {
    const failed = await failedChecks({ create: () => new BigintCheckpointVwap(), batches: TYPED_BATCHES });
    expect(failed).toEqual({
      'checkpoint/restore':
        'checkpoint() after 1 of 5 batches is not JSON-serialisable: Do not know how to serialize a BigInt',
    });
  });

  it('checkpoint/restore: state lost on the way', async () => {
    const failed = await failedChecks({ create: () => new MapCheckpointVwap(), batches: TYPED_BATCHES });
    expect(Object.keys(failed)).toEqual(['checkpoint/restore']);
    expect(failed['checkpoint/restore']).toMatch(
      /^checkpoint after 1 of 5 batches, through JSON into a fresh instance, changed the output \(one instance vs split\): /,
    );
  });

  it('checkpoint/restore: one without the other', async () => {
    const failed = await failedChecks({ create: checkpointOnlyVwap, batches: TYPED_BATCHES });
    expect(failed).toEqual({
      'checkpoint/restore': 'implements checkpoint() without restore(): implement both or neither',
    });
  });
});

describe('checkProcessorConformance: robustness', () => {
  it('reports which call threw instead of throwing', async () => {
    const schema = defineSchema([col.double('price')]);
    const picky = () =>
      mapProcessor<Row, Row>(
        'picky',
        (r) => {
          if (r.trade_id === '6') throw new RangeError('trade 6 is not welcome');
          return { price: r.price };
        },
        () => schema,
      );
    const failed = await failedChecks({ create: picky, batches: TYPED_BATCHES });
    expect(failed.determinism).toBe('process(batch 1) threw RangeError: trade 6 is not welcome');
    expect(failed['batching independence']).toBe('process(batch 1) threw RangeError: trade 6 is not welcome');
    expect(failed['checkpoint/restore']).toBeUndefined();
    expect(failed.name).toBeUndefined();
  });

  it('fails every check when create() throws or returns something else', async () => {
    const report = await checkProcessorConformance({
      create: () => {
        throw new Error('missing option window');
      },
      batches: [],
    });
    expect(report.passed).toEqual([]);
    expect(new Set(report.failures.map((f) => f.detail))).toEqual(
      new Set(['create() threw missing option window']),
    );
    const notProcessor = await checkProcessorConformance({ create: () => ({}) as Processor, batches: [] });
    expect(notProcessor.failures[0]?.detail).toBe('create() returned {}, which is not a processor');
  });

  it('refuses unusable options', async () => {
    await expect(checkProcessorConformance({} as ConformanceOptions)).rejects.toThrow(
      'checkProcessorConformance needs create()',
    );
    await expect(
      checkProcessorConformance({ create: () => new MinuteVwap(), batches: [{}] as unknown as Row[][] }),
    ).rejects.toThrow('checkProcessorConformance needs batches: an array of arrays of rows');
  });
});
