import {
  col,
  definePlugin,
  defineSchema,
  type Processor,
  ProcessorRegistry,
  type Row,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { describe, expect, it } from 'vitest';
import { resolveChannelConfig } from './channel-config.js';
import { PluginFlow } from './plugin-flow.js';

/** Appends its tag to each row's `path`; keeps a running count in a live object it checkpoints. */
function tagger(tag: string): Processor<Row, Row> {
  const state = { seen: 0 };
  const stats = new StatsCollector(tag);
  return {
    name: tag,
    outputSchema: (input) =>
      input && defineSchema([...input.fields.filter((f) => f.name !== 'path'), col.string('path')]),
    process: (batch) =>
      batch.map((r) => ({
        ...r,
        path: `${(r.path as string | undefined) ?? ''}/${tag}`,
        seen: ++state.seen,
      })),
    checkpoint: () => state,
    restore: (s) => {
      state.seen = (s as { seen: number }).seen;
    },
    stats: () => stats.snapshot(),
  };
}

const registry = new ProcessorRegistry().register(
  definePlugin({
    name: 'taggers',
    version: '1.0.0',
    processors: { a: () => tagger('a'), b: () => tagger('b'), c: () => tagger('c') },
  }),
);

const schema = defineSchema([col.string('trade_id', { nullable: false })]);

function flow(processors: unknown[]): PluginFlow {
  const channels = resolveChannelConfig({ market_trades: { processors } });
  return new PluginFlow(channels, registry, silentLogger, () => schema);
}

const where = (out: ReturnType<PluginFlow['process']>) =>
  Object.fromEntries(out.map((o) => [o.dataset, o.rows.map((r) => r.path ?? '(channel)')]));

describe('PluginFlow', () => {
  it("feeds each entry the previous one's output; the channel gets the last entry without output", () => {
    const f = flow([{ use: 'a' }, { use: 'b', output: 'x' }, { use: 'c', output: 'y' }]);
    expect(where(f.process('market_trades', [{ trade_id: '1' }]))).toEqual({
      x: ['/a/b'],
      y: ['/a/b/c'],
      market_trades: ['/a'],
    });
  });

  it("leaves the channel's rows as they are when every entry has an output", () => {
    const f = flow([
      { use: 'a', output: 'x' },
      { use: 'b', output: 'y' },
    ]);
    expect(where(f.process('market_trades', [{ trade_id: '1' }]))).toEqual({
      x: ['/a'],
      y: ['/a/b'],
      market_trades: ['(channel)'],
    });
  });

  it('checkpoints a copy, restores a matching list only', () => {
    const f = flow([{ use: 'a', output: 'x' }]);
    f.process('market_trades', [{ trade_id: '1' }, { trade_id: '2' }]);
    const saved = f.checkpoint();
    f.process('market_trades', [{ trade_id: '3' }]);
    expect(saved.market_trades?.states).toEqual([{ seen: 2 }]);
    const next = flow([{ use: 'a', output: 'x' }]);
    expect(next.restore(JSON.parse(JSON.stringify(saved)))).toEqual([]);
    expect(next.process('market_trades', [{ trade_id: '3' }])[0]!.rows[0]!.seen).toBe(3);
    const other = flow([{ use: 'b', output: 'x' }]);
    expect(other.restore(saved)).toEqual(['market_trades']);
  });
});
