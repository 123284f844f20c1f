import { describe, expect, it } from 'vitest';
import type { Processor } from '../processor.js';
import type { Row } from '../reader.js';
import { col, defineSchema, extendSchema, type Schema } from '../schema.js';
import { StatsCollector } from '../stats.js';
import { checkProcessorConformance } from './processor-conformance.js';
import type { SideOutput } from './processor-context.js';

const INPUT = defineSchema([
  col.string('product_id', { nullable: false }),
  col.double('price'),
  col.double('size'),
]);
const OUTPUT = extendSchema(INPUT, [col.double('notional')]);
const NOTES = defineSchema([col.string('kind', { nullable: false }), col.string('detail')]);
const BATCHES: Row[][] = [
  [
    { product_id: 'BTC-USD', price: 100, size: 2 },
    { product_id: 'ETH-USD', price: null, size: 1 },
  ],
  [],
  [{ product_id: 'BTC-USD', price: 101, size: 0.5 }],
];

/** Adds `notional` to the rows it is given (in place), and with `overwrite` also rounds `price`. */
class InPlaceNotional implements Processor {
  readonly name = 'in-place-notional';
  protected readonly stats_ = new StatsCollector('in-place-notional');
  constructor(private readonly overwrite = false) {}
  outputSchema(input?: Schema): Schema | undefined {
    return input && extendSchema(input, [col.double('notional')]);
  }
  process(batch: readonly Row[]): Row[] {
    for (const row of batch) {
      row.notional = row.price === null ? null : (row.price as number) * (row.size as number);
      if (this.overwrite && typeof row.price === 'number') row.price = Math.round(row.price / 10) * 10;
    }
    this.stats_.recordsIn += batch.length;
    this.stats_.recordsOut += batch.length;
    return batch as Row[];
  }
  stats() {
    return this.stats_.snapshot();
  }
}

/** Copies with `notional`, a note for every row without a price, and one after each restore. */
class NotingNotional implements Processor {
  readonly name = 'noting-notional';
  private readonly stats_ = new StatsCollector('noting-notional');
  private rows = 0;
  private restored = false;
  outputSchema(): Schema {
    return OUTPUT;
  }
  process(batch: readonly Row[]): Row[] {
    const out: Row[] = [];
    if (this.restored && batch.length > 0) {
      out.push({ kind: 'restored', detail: `after ${this.rows} rows` });
      this.restored = false;
    }
    for (const row of batch) {
      if (row.price === null) out.push({ kind: 'no_price', detail: row.product_id });
      out.push({
        ...row,
        notional: row.price === null ? null : (row.price as number) * (row.size as number),
      });
    }
    this.rows += batch.length;
    this.stats_.recordsIn += batch.length;
    this.stats_.recordsOut += out.length;
    return out;
  }
  checkpoint(): unknown {
    return { rows: this.rows };
  }
  restore(state: unknown): void {
    this.rows = (state as { rows: number }).rows;
    this.restored = true;
  }
  stats() {
    return this.stats_.snapshot();
  }
}

const notes = (recordsRestores: boolean, schema = NOTES): SideOutput => ({
  name: 'notes',
  schema,
  test: (row) => 'kind' in row,
  recordsRestores,
});

const failed = async (options: Parameters<typeof checkProcessorConformance>[0]) =>
  Object.fromEntries((await checkProcessorConformance(options)).failures.map((f) => [f.check, f.detail]));

describe('inPlace: a processor that adds columns to the rows it is given', () => {
  it('passes with inPlace: true', async () => {
    expect(
      await failed({
        create: () => new InPlaceNotional(),
        batches: BATCHES,
        inputSchema: INPUT,
        inPlace: true,
      }),
    ).toEqual({});
  });

  it('fails the mutation check without it', async () => {
    expect(
      await failed({ create: () => new InPlaceNotional(), batches: BATCHES, inputSchema: INPUT }),
    ).toEqual({
      'input not mutated': expect.stringMatching(
        /^process\(\) changed 3 input row\(s\), first row 0 of batch 0 \(before vs after\): \.notional: missing vs 200;/,
      ),
    });
  });

  it('still fails when it changes a value that was set', async () => {
    const options = {
      create: () => new InPlaceNotional(true),
      batches: BATCHES,
      inputSchema: INPUT,
      inPlace: true,
    };
    expect(await failed(options)).toEqual({
      'input not mutated':
        'process() changed 1 input row(s), first row 0 of batch 2 (before vs after): .price: 101 vs 100; with inPlace, a processor may only add columns or fill null ones',
    });
  });
});

describe('sideOutputs: rows for another dataset', () => {
  it('are checked against their own schema, and restore notes are left out of the checkpoint check', async () => {
    const options = {
      create: () => new NotingNotional(),
      batches: BATCHES,
      inputSchema: INPUT,
      sideOutputs: [notes(true)],
    };
    expect(await failed(options)).toEqual({});
  });

  it('a side output without a schema takes any row object (control rows passed on)', async () => {
    const options = {
      create: () => new NotingNotional(),
      batches: BATCHES,
      inputSchema: INPUT,
      sideOutputs: [{ ...notes(true), schema: undefined }],
    };
    expect(await failed(options)).toEqual({});
  });

  it('without them, the notes do not fit outputSchema', async () => {
    expect(
      (await failed({ create: () => new NotingNotional(), batches: BATCHES, inputSchema: INPUT }))[
        'output schema'
      ],
    ).toMatch(
      /^1 of 4 emitted rows do not fit their schema: batch 0 row 1: product_id is not nullable but got undefined; column "kind" is not in outputSchema; column "detail" is not in outputSchema$/,
    );
  });

  it('a note that does not fit its side schema fails', async () => {
    const narrow = defineSchema([col.string('kind', { nullable: false })]);
    const options = {
      create: () => new NotingNotional(),
      batches: BATCHES,
      inputSchema: INPUT,
      sideOutputs: [notes(true, narrow)],
    };
    expect(await failed(options)).toEqual({
      'output schema':
        '1 of 4 emitted rows do not fit their schema: batch 0 row 1: column "detail" is not in the notes schema',
    });
  });

  it('notes of restores count in the checkpoint check unless recordsRestores says so', async () => {
    const options = {
      create: () => new NotingNotional(),
      batches: BATCHES,
      inputSchema: INPUT,
      sideOutputs: [notes(false)],
    };
    expect((await failed(options))['checkpoint/restore']).toMatch(
      /^checkpoint after 0 of 3 batches, through JSON into a fresh instance, changed the output \(one instance vs split\): \[0\]\.product_id: "BTC-USD" vs missing \(rows: .* vs \{"kind":"restored","detail":"after 0 rows"\}\)$/,
    );
  });
});

describe('groupOf: rows that must arrive in one batch', () => {
  /** Sums `size` per message and emits the total when the batch ends: a message must not be split. */
  const perMessage = (): Processor => {
    const stats = new StatsCollector('per-message');
    return {
      name: 'per-message',
      outputSchema: () => defineSchema([col.int32('message', { nullable: false }), col.double('size')]),
      process(batch) {
        const totals = new Map<number, number>();
        for (const row of batch)
          totals.set(row.message as number, (totals.get(row.message as number) ?? 0) + (row.size as number));
        stats.recordsIn += batch.length;
        stats.recordsOut += totals.size;
        return [...totals].map(([message, size]) => ({ message, size }));
      },
      stats: () => stats.snapshot(),
    };
  };
  const rows = [1, 1, 2, 3, 3, 3].map((message, i) => ({ message, size: i + 1 }));
  const batches = [rows.slice(0, 2), rows.slice(2, 3), rows.slice(3)];

  it('the batching check cuts between groups only', async () => {
    expect(await failed({ create: perMessage, batches, groupOf: (r) => r.message })).toEqual({});
  });

  it('without it, one row per batch splits the messages', async () => {
    expect((await failed({ create: perMessage, batches }))['batching independence']).toMatch(
      /^feeding one row per batch instead of the given 3 batches changed the output/,
    );
  });
});
