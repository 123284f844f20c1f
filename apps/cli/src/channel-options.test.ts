import { ConfigError } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { checkChannels } from './channel-options.js';

function problem(channels: unknown): string {
  try {
    checkChannels(channels);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('checkChannels', () => {
  it("accepts the seed's processor options and returns them camelCased", () => {
    const out = checkChannels({
      level2: {
        partition_cols: ['product_id', 'date'],
        processor_options: {
          add_derived_fields: true,
          reconstruct_lob: true,
          compute_features: true,
          depth_levels: [5, 10],
          depth_bps: [2.5],
        },
      },
      market_trades: {
        processor_options: { add_derived_fields: true, infer_aggressor: false, dedup_window: 5000 },
      },
      ticker: { enabled: false, processor_options: { add_derived_fields: true } },
    });
    expect(out).toEqual({
      level2: {
        partition_cols: ['product_id', 'date'],
        processor_options: {
          addDerivedFields: true,
          reconstructLob: true,
          computeFeatures: true,
          depthLevels: [5, 10],
          depthBps: [2.5],
        },
      },
      market_trades: {
        processor_options: { addDerivedFields: true, inferAggressor: false, dedupWindow: 5000 },
      },
      ticker: { enabled: false, processor_options: { addDerivedFields: true } },
    });
  });

  it('camelCases the nested book_snapshots option the processor needs', () => {
    const out = checkChannels({
      level2: { processorOptions: { bookSnapshots: { depth: 10, interval_ms: 1000 } } },
    });
    expect(out).toEqual({ level2: { processorOptions: { bookSnapshots: { depth: 10, intervalMs: 1000 } } } });
  });

  it('names a misspelt or unknown option, as spelt, with the known ones', () => {
    expect(problem({ level2: { processor_options: { reconstruct_lobb: true } } })).toBe(
      'config etl.channels.level2.processor_options.reconstruct_lobb: unknown option (known: add_derived_fields, reconstruct_lob, compute_features, depth_levels, depth_bps, crossed_policy, sequence_check, book_snapshots)',
    );
    expect(problem({ candles: { processor_options: { x: 1 } } })).toBe(
      'config etl.channels.candles.processor_options.x: unknown option (known: none)',
    );
  });

  it('names an option whose value is wrong', () => {
    expect(problem({ market_trades: { processor_options: { infer_aggressor: 'yes' } } })).toBe(
      'config etl.channels.market_trades.processor_options.infer_aggressor: must be true or false',
    );
    expect(problem({ level2: { processor_options: { crossed_policy: 'ignore' } } })).toMatch(
      /^config etl\.channels\.level2\.processor_options\.crossed_policy: must be one of keep, remove-stale, invalidate, fail, got "ignore"$/,
    );
    expect(problem({ level2: { processor_options: { depth_levels: [10, 0] } } })).toMatch(
      /processor_options\.depth_levels: must be a non-empty list/,
    );
    expect(problem({ level2: { processor_options: { book_snapshots: { depth: 10 } } } })).toBe(
      'config etl.channels.level2.processor_options.book_snapshots.interval_ms: is required',
    );
    expect(problem({ level2: { processor_options: 'all' } })).toMatch(
      /^config etl\.channels\.level2\.processor_options: must be an object$/,
    );
  });

  it('refuses reconstruct_lob: false while features or the aggressor still need the book', () => {
    expect(problem({ level2: { processor_options: { reconstruct_lob: false } } })).toBe(
      'config etl.channels.level2.processor_options.reconstruct_lob: is false, but level2 compute_features (default true) and market_trades infer_aggressor (default true) need the book: turn them off too',
    );
    expect(
      checkChannels({
        level2: { processor_options: { reconstruct_lob: false, compute_features: false } },
        market_trades: { processor_options: { infer_aggressor: false } },
      }),
    ).toBeDefined();
  });

  it('still checks channel names and partition_cols (through the orchestrator)', () => {
    expect(problem({ level3: {} })).toMatch(/^config etl\.channels\.level3: unknown channel/);
    expect(problem({ ticker: { partition_cols: 'date' } })).toMatch(
      /^config etl\.channels\.ticker\.partition_cols: must be a list/,
    );
  });
});
