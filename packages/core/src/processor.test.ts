import { describe, expect, it } from 'vitest';
import { mapProcessor, type Processor, ProcessorChain } from './processor.js';
import type { Row } from './reader.js';
import { col, defineSchema, extendSchema, type Schema, selectFields } from './schema.js';
import { type Stats, StatsCollector } from './stats.js';

/**
 * Holds the latest row back and emits it when the next one comes (or on flush), like a bar
 * that closes late. Logs its calls so tests can see the order of process and flush.
 */
class HoldLast implements Processor {
  private held: Row | undefined;
  private readonly collector: StatsCollector;
  constructor(
    readonly name: string,
    private readonly log: string[] = [],
  ) {
    this.collector = new StatsCollector(name);
  }
  outputSchema(input?: Schema): Schema | undefined {
    return input && extendSchema(input, [col.string(`${this.name}_seen`)]);
  }
  process(batch: readonly Row[]): Row[] {
    this.log.push(`${this.name}.process(${batch.map((r) => r.id).join(',')})`);
    this.collector.recordsIn += batch.length;
    const out: Row[] = [];
    for (const row of batch) {
      if (this.held) out.push(this.held);
      this.held = { ...row, [`${this.name}_seen`]: 'yes' };
    }
    this.collector.recordsOut += out.length;
    return out;
  }
  flush(): Row[] {
    this.log.push(`${this.name}.flush`);
    const out = this.held ? [this.held] : [];
    this.held = undefined;
    this.collector.recordsOut += out.length;
    return out;
  }
  checkpoint(): unknown {
    return this.held ?? null;
  }
  restore(state: unknown): void {
    this.held = (state as Row | null) ?? undefined;
  }
  stats(): Stats {
    return this.collector.snapshot();
  }
}

/** Emits each row twice and counts one error per odd id, to check how a chain adds errors. */
function duplicate(): Processor {
  const stats = new StatsCollector('duplicate');
  return {
    name: 'duplicate',
    outputSchema: (input) => input,
    process(batch) {
      stats.recordsIn += batch.length;
      const out = batch.flatMap((r) => [r, { ...r, copy: true }]);
      for (const r of batch) if ((r.id as number) % 2 === 1) stats.errors++;
      stats.recordsOut += out.length;
      return out;
    },
    stats: () => stats.snapshot(),
  };
}

const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id }));

describe('ProcessorChain', () => {
  it('runs stages in order and is named after them', () => {
    const chain = new ProcessorChain([
      mapProcessor<Row, Row>('double', (r) => ({ ...r, id: (r.id as number) * 2 })),
      mapProcessor<Row, Row>('plus1', (r) => ({ ...r, id: (r.id as number) + 1 })),
    ]);
    expect(chain.name).toBe('chain(double,plus1)');
    expect(chain.process(rows(1, 2, 3))).toEqual(rows(3, 5, 7));
    expect(new ProcessorChain([], 'trades').name).toBe('trades');
  });

  it('reports recordsIn of the first stage and recordsOut of the last, stages side by side', () => {
    const keepEven = mapProcessor<Row, Row>('keep-even', (r) => ((r.id as number) % 2 === 0 ? r : undefined));
    const chain = new ProcessorChain([duplicate(), keepEven], 'dup-even');
    const out = [
      ...chain.process(rows(1, 2, 3)),
      ...chain.process(rows(4)),
      ...chain.process([]),
      ...chain.flush(),
    ];
    expect(out).toEqual([{ id: 2 }, { id: 2, copy: true }, { id: 4 }, { id: 4, copy: true }]);
    const stats = chain.stats();
    expect(stats.name).toBe('dup-even');
    expect(stats.recordsIn).toBe(4);
    expect(stats.recordsOut).toBe(4);
    // Errors of the stages are added up; records are not (they would count rows twice).
    expect(stats.errors).toBe(2);
    expect(stats.stages?.map((s) => [s.name, s.recordsIn, s.recordsOut, s.errors])).toEqual([
      ['duplicate', 4, 8, 2],
      ['keep-even', 8, 4, 0],
    ]);
    expect(stats.recordsIn).toBe(stats.stages?.[0]?.recordsIn);
    expect(stats.recordsOut).toBe(stats.stages?.[1]?.recordsOut);
  });

  it('passes rows flushed by a stage through every later stage before that stage flushes', () => {
    const log: string[] = [];
    const chain = new ProcessorChain([new HoldLast('s1', log), new HoldLast('s2', log)]);
    expect(chain.process(rows(1, 2, 3))).toEqual([{ id: 1, s1_seen: 'yes', s2_seen: 'yes' }]);
    expect(chain.flush()).toEqual([
      { id: 2, s1_seen: 'yes', s2_seen: 'yes' },
      { id: 3, s1_seen: 'yes', s2_seen: 'yes' },
    ]);
    expect(log).toEqual(['s1.process(1,2,3)', 's2.process(1,2)', 's1.flush', 's2.process(3)', 's2.flush']);
    const stats = chain.stats();
    expect([stats.recordsIn, stats.recordsOut]).toEqual([3, 3]);
    expect(stats.stages?.map((s) => [s.recordsIn, s.recordsOut])).toEqual([
      [3, 3],
      [3, 3],
    ]);
  });

  it('flushes through stages that have no flush of their own', () => {
    const chain = new ProcessorChain([
      new HoldLast('s1'),
      mapProcessor<Row, Row>('tag', (r) => ({ ...r, tagged: true })),
      new HoldLast('s3'),
    ]);
    expect(chain.process(rows(1, 2))).toEqual([]);
    expect(chain.flush().map((r) => [r.id, r.tagged])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(chain.flush()).toEqual([]);
  });

  it('composes output schemas stage by stage', () => {
    const input = defineSchema([col.int32('id', { nullable: false }), col.string('note')]);
    const chain = new ProcessorChain([
      new HoldLast('s1'),
      mapProcessor(
        'pick',
        (r: Row) => r,
        (schema) => schema && selectFields(schema, ['id', 's1_seen']),
      ),
    ]);
    expect(chain.outputSchema(input)?.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:int32',
      's1_seen:string',
    ]);
    // A stage that does not know its output makes the rest unknown too.
    expect(chain.outputSchema(undefined)).toBeUndefined();
    const opaque = new ProcessorChain([
      mapProcessor(
        'opaque',
        (r: Row) => r,
        () => undefined,
      ),
      new HoldLast('s2'),
    ]);
    expect(opaque.outputSchema(input)).toBeUndefined();
    expect(new ProcessorChain([]).outputSchema(input)).toBe(input);
  });

  it('checkpoints every stage and restores each its own state', () => {
    const first = new ProcessorChain([
      new HoldLast('s1'),
      mapProcessor<Row, Row>('tag', (r) => ({ ...r, tagged: true })),
      new HoldLast('s3'),
    ]);
    first.process(rows(1, 2, 3));
    const state = JSON.parse(JSON.stringify(first.checkpoint()));
    expect(state).toEqual([
      { id: 3, s1_seen: 'yes' },
      null,
      { id: 2, s1_seen: 'yes', tagged: true, s3_seen: 'yes' },
    ]);
    const second = new ProcessorChain([
      new HoldLast('s1'),
      mapProcessor<Row, Row>('tag', (r) => ({ ...r, tagged: true })),
      new HoldLast('s3'),
    ]);
    second.restore(state);
    expect(second.process(rows(4)).map((r) => r.id)).toEqual([2]);
    expect(second.flush().map((r) => r.id)).toEqual([3, 4]);
  });

  it('ignores a checkpoint whose shape does not match its stages', () => {
    const chain = new ProcessorChain([new HoldLast('s1')]);
    chain.restore({ not: 'an array' });
    chain.restore([{ id: 9 }, { id: 10 }]);
    chain.restore([null]);
    expect(chain.flush()).toEqual([]);
  });

  it('nests: a chain is a processor', () => {
    const inner = new ProcessorChain([new HoldLast('s1')], 'inner');
    const outer = new ProcessorChain(
      [inner, mapProcessor<Row, Row>('tag', (r) => ({ ...r, outer: true }))],
      'outer',
    );
    outer.process(rows(1, 2));
    expect(outer.flush().map((r) => [r.id, r.outer])).toEqual([[2, true]]);
    expect(outer.stats().stages?.[0]?.stages?.[0]?.name).toBe('s1');
  });
});

describe('mapProcessor', () => {
  it('maps rows, drops undefined results and counts both ends', () => {
    const p = mapProcessor<Row, Row>('mid', (r) =>
      r.bid === null ? undefined : { mid: ((r.bid as number) + (r.ask as number)) / 2 },
    );
    expect(p.name).toBe('mid');
    expect(
      p.process([
        { bid: 1, ask: 3 },
        { bid: null, ask: 3 },
        { bid: 10, ask: 11 },
      ]),
    ).toEqual([{ mid: 2 }, { mid: 10.5 }]);
    expect(p.process([])).toEqual([]);
    const stats = p.stats();
    expect([stats.name, stats.recordsIn, stats.recordsOut, stats.errors]).toEqual(['mid', 3, 2, 0]);
    expect(p.flush).toBeUndefined();
    expect(p.checkpoint).toBeUndefined();
  });

  it('passes the input schema through unless told otherwise', () => {
    const input = defineSchema([col.double('bid'), col.double('ask')]);
    expect(mapProcessor('id', (r: Row) => r).outputSchema(input)).toBe(input);
    const withMid = mapProcessor(
      'mid',
      (r: Row) => r,
      (schema) => schema && extendSchema(schema, [col.double('mid')]),
    );
    expect(withMid.outputSchema(input)?.fields.map((f) => f.name)).toEqual(['bid', 'ask', 'mid']);
  });
});
