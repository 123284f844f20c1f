import { describe, expect, it } from 'vitest';
import { mapProcessor } from '../processor.js';
import type { Row } from '../reader.js';
import { col, extendSchema, type Schema } from '../schema.js';
import { checkProcessorConformance } from './processor-conformance.js';
import { sampleSchemaOf } from './sample-schema.js';
import { testProcessor } from './vitest.js';

/** Rows a plugin author might have at hand, with no schema to import. */
const BATCHES: Row[][] = [
  [
    { product_id: 'BTC-USD', price: 65083.67, size: 0.5, trade_id: 1n, maker: true },
    { product_id: 'ETH-USD', price: 3100.5, size: 2, trade_id: 2n, maker: false },
  ],
  [{ product_id: 'BTC-USD', price: 65090, size: 0.25, trade_id: 3n, maker: null, note: 'late' }],
];

/** Adds `notional` to whatever it is given; with an unknown input it cannot know its output. */
const notionalAdder = (declare: (input: Schema) => Schema) =>
  mapProcessor<Row, Row>(
    'notional',
    (r) => ({ ...r, notional: (r.price as number) * (r.size as number) }),
    (input) => input && declare(input),
  );

const addsNotional = (input: Schema): Schema => extendSchema(input, [col.double('notional')]);

describe('sampleSchemaOf', () => {
  it('describes scalar columns in first-seen order, nullable when null or missing somewhere', () => {
    const schema = sampleSchemaOf([
      ...BATCHES.flat(),
      { product_id: 'SOL-USD', price: 1, size: 1, trade_id: 4n, maker: true, levels: [1, 2] },
    ]);
    expect(schema.fields.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['product_id', 'string', false],
      ['price', 'double', false],
      ['size', 'double', false],
      ['trade_id', 'int64', false],
      ['maker', 'bool', true],
      ['note', 'string', true],
      // `levels` holds a list: left out, the author gives inputSchema for nested columns.
    ]);
  });
});

describe('a processor that adds columns to its input', () => {
  it('passes every check without an input schema: the kit guesses one from the rows', async () => {
    const report = await checkProcessorConformance({
      create: () => notionalAdder(addsNotional),
      batches: BATCHES,
    });
    expect(report.failures).toEqual([]);
  });

  it('fails the output schema check when it forgets to declare the column it adds', async () => {
    const report = await checkProcessorConformance({
      create: () => notionalAdder((input) => input),
      batches: BATCHES,
    });
    expect(report.failures.map((f) => f.check)).toEqual(['output schema']);
    expect(report.failures[0]?.detail).toContain('column "notional" is not in outputSchema');
  });

  it('fails when outputSchema(undefined) returns something that is not a schema', async () => {
    const p = () => ({
      ...notionalAdder(addsNotional),
      outputSchema: (input?: Schema) => input ?? ({} as Schema),
    });
    const report = await checkProcessorConformance({ create: p, batches: BATCHES });
    expect(report.failures).toEqual([
      { check: 'output schema', detail: 'outputSchema(undefined) returned {}: return a schema or undefined' },
    ]);
  });
});

describe('a processor of several shapes (severalShapes: true)', () => {
  const splitter = () =>
    mapProcessor<Row, Row>(
      'splitter',
      (r) => (r.maker ? { kind: 'maker', id: r.trade_id } : { ...r }),
      () => undefined,
    );

  it('passes with outputSchema undefined', async () => {
    const report = await checkProcessorConformance({
      create: splitter,
      batches: BATCHES,
      severalShapes: true,
    });
    expect(report.failures).toEqual([]);
  });

  it('still fails when it emits something that is not a row', async () => {
    const bad = () =>
      mapProcessor<Row, unknown>(
        'bad',
        (r) => r.product_id,
        () => undefined,
      );
    const report = await checkProcessorConformance({ create: bad, batches: BATCHES, severalShapes: true });
    expect(report.failures.map((f) => f.detail)).toEqual([
      '3 of 3 emitted rows do not fit their schema: batch 0 row 0: not a row object: "BTC-USD" | batch 0 row 1: not a row object: "ETH-USD" | batch 1 row 0: not a row object: "BTC-USD"',
    ]);
  });
});

testProcessor('a column-adding plugin processor', {
  create: () => notionalAdder(addsNotional),
  batches: BATCHES,
});
