import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { option, optionDefaults, parseOptions } from './source-options.js';

const specs = {
  addNotional: option.boolean('notional column', true),
  window: option.positiveInteger('window size'),
  scale: option.positiveNumber('scale', 1.5),
  policy: option.oneOf(['keep', 'drop'] as const, 'what to do', 'keep'),
  levels: option.positiveList('integers', 'levels', [10]),
  bps: option.positiveList('numbers', 'bps'),
  snapshots: option.positiveIntegers(['depth', 'intervalMs'], 'snapshots'),
};

function problem(options: unknown): string {
  try {
    parseOptions(specs, options, 'etl.channels.x.processor_options');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseOptions', () => {
  it('accepts snake_case and camelCase keys and returns only what was set, camelCased', () => {
    expect(
      parseOptions(
        specs,
        { add_notional: false, window: 3, levels: [5, 20], snapshots: { depth: 5, interval_ms: 1000 } },
        'k',
      ),
    ).toEqual({ addNotional: false, window: 3, levels: [5, 20], snapshots: { depth: 5, intervalMs: 1000 } });
    expect(parseOptions(specs, { bps: [2.5], policy: 'drop' }, 'k')).toEqual({ bps: [2.5], policy: 'drop' });
  });

  it('refuses an unknown key, named as spelt, with the known ones in snake_case', () => {
    expect(problem({ add_notionl: true })).toBe(
      'config etl.channels.x.processor_options.add_notionl: unknown option (known: add_notional, window, scale, policy, levels, bps, snapshots)',
    );
    expect(() => parseOptions({}, { x: 1 }, 'k')).toThrow('config k.x: unknown option (known: none)');
    // Inherited names are not options.
    expect(problem({ constructor: 1 })).toMatch(/constructor: unknown option/);
  });

  it('names the key of a wrong value with what it must be', () => {
    expect(problem({ add_notional: 'yes' })).toBe(
      'config etl.channels.x.processor_options.add_notional: must be true or false',
    );
    expect(problem({ window: 1.5 })).toMatch(/window: must be a whole number > 0$/);
    expect(problem({ scale: 0 })).toMatch(/scale: must be > 0$/);
    expect(problem({ policy: 'ignore' })).toMatch(/policy: must be one of keep, drop, got "ignore"$/);
    expect(problem({ levels: [] })).toMatch(/levels: must be a non-empty list of whole numbers > 0$/);
    expect(problem({ bps: [1, -1] })).toMatch(/bps: must be a non-empty list of numbers > 0$/);
    expect(problem({ snapshots: 3 })).toMatch(/snapshots: must be \{depth, interval_ms\}$/);
    expect(problem({ snapshots: { depth: 5 } })).toMatch(/snapshots\.interval_ms: is required$/);
    expect(problem({ snapshots: { depth: 5, every: 1 } })).toMatch(
      /snapshots\.every: unknown key \(known: depth, interval_ms\)$/,
    );
    expect(problem('all')).toBe('config etl.channels.x.processor_options: must be an object');
  });
});

describe('optionDefaults', () => {
  it('gives the declared defaults and leaves out options without one', () => {
    expect(optionDefaults(specs)).toEqual({ addNotional: true, scale: 1.5, policy: 'keep', levels: [10] });
  });
});
