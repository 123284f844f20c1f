import {
  ConfigError,
  col,
  defineSchema,
  defineSource,
  mapProcessor,
  option,
  type Row,
  type SourceRecord,
} from '@etl/core';
import { coinbaseSource } from '@etl/processors-coinbase';
import { describe, expect, it } from 'vitest';
import { camelizeKeys, defaultChannels, resolveChannelConfig } from './channel-config.js';

describe('resolveChannelConfig', () => {
  it('keeps the seed defaults: level2 and trades by product and date, ticker by date and hour', () => {
    const c = resolveChannelConfig({});
    expect(c.level2!.partitionCols).toEqual(['product_id', 'date']);
    expect(c.market_trades!.partitionCols).toEqual(['product_id', 'date']);
    expect(c.ticker!.partitionCols).toEqual(['date', 'hour']);
    expect(c).toEqual(defaultChannels(coinbaseSource));
  });

  it("accepts the seed's snake_case keys and merges processor options over the defaults", () => {
    const c = resolveChannelConfig({
      level2: { partition_cols: ['date'], processor_options: { compute_features: false, depth_levels: [5] } },
      ticker: { enabled: false },
    });
    expect(c.level2!.partitionCols).toEqual(['date']);
    expect(c.level2!.processorOptions).toEqual({
      addDerivedFields: true,
      reconstructLob: true,
      computeFeatures: false,
      depthLevels: [5],
      depthBps: [10],
      crossedPolicy: 'remove-stale',
      sequenceCheck: 'auto',
    });
    expect(c.ticker!.enabled).toBe(false);
    expect(c.market_trades!.enabled).toBe(true);
  });

  it('names the bad key in errors', () => {
    const bad = (config: unknown, key: string) => {
      try {
        resolveChannelConfig(config);
        throw new Error('expected a ConfigError');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).key).toBe(key);
      }
    };
    bad({ levl2: {} }, 'etl.channels.levl2');
    bad({ level2: { partition_cols: 'date' } }, 'etl.channels.level2.partition_cols');
    bad({ level2: { enabled: 'yes' } }, 'etl.channels.level2.enabled');
    bad({ level2: { processors: [{ options: {} }] } }, 'etl.channels.level2.processors[0]');
    bad({ ticker: { colour: 1 } }, 'etl.channels.ticker.colour');
  });

  it('parses plugin processor references', () => {
    const c = resolveChannelConfig({
      market_trades: {
        processors: ['vwap', { use: 'bars/vwap', options: { window_minutes: 5 }, output: 'vwap_5m' }],
      },
    });
    expect(c.market_trades!.processors).toEqual([
      { use: 'vwap' },
      { use: 'bars/vwap', options: { windowMinutes: 5 }, output: 'vwap_5m' },
    ]);
  });

  it('camelizes one level of keys', () => {
    expect(camelizeKeys({ reconstruct_lob: true, depth_bps_2: 1, already: 2 })).toEqual({
      reconstructLob: true,
      depthBps2: 1,
      already: 2,
    });
  });

  it("takes datasets, partitioning and options from another source's declaration", () => {
    const checked: string[] = [];
    const acme = defineSource({
      name: 'acme',
      description: 'a made-up exchange',
      datasets: [
        {
          name: 'fills',
          description: 'fills',
          schema: defineSchema([col.string('symbol')]),
          partitionCols: ['symbol'],
          options: {
            addNotional: option.boolean('notional', true),
            window: option.positiveInteger('window'),
          },
        },
      ],
      checkSettings: (datasets, keyPrefix) => {
        checked.push(`${keyPrefix}:${JSON.stringify(datasets.fills?.processorOptions)}`);
      },
      parser: () => mapProcessor<SourceRecord, Row>('p', (r) => r.value as Row),
      processors: () => [],
    });
    const c = resolveChannelConfig({ fills: { processor_options: { window: 5 } } }, 'etl.channels', acme);
    expect(c).toEqual({
      fills: {
        dataset: 'fills',
        enabled: true,
        partitionCols: ['symbol'],
        processorOptions: { addNotional: true, window: 5 },
        processors: [],
      },
    });
    expect(checked).toEqual(['etl.channels:{"addNotional":true,"window":5}']);
    expect(() => resolveChannelConfig({ level2: {} }, 'etl.channels', acme)).toThrow(
      'config etl.channels.level2: unknown channel (known: fills)',
    );
    expect(() =>
      resolveChannelConfig({ fills: { processor_options: { windw: 5 } } }, 'etl.channels', acme),
    ).toThrow(
      'config etl.channels.fills.processor_options.windw: unknown option (known: add_notional, window)',
    );
    expect(() => resolveChannelConfig({}, 'etl.channels', 'kraken')).toThrow(
      'config source: unknown source "kraken" (built in: coinbase, coinbase-exchange)',
    );
  });

  it('checks Coinbase processor options against the declaration, for API users too', () => {
    expect(() => resolveChannelConfig({ level2: { processorOptions: { computeFeature: true } } })).toThrow(
      /etl\.channels\.level2\.processorOptions\.computeFeature: unknown option/,
    );
    expect(
      resolveChannelConfig({
        level2: { processorOptions: { bookSnapshots: { depth: 5, interval_ms: 1000 } } },
      }).level2!.processorOptions.bookSnapshots,
    ).toEqual({ depth: 5, intervalMs: 1000 });
    expect(
      resolveChannelConfig({}, 'etl.channels', 'coinbase-exchange').level2!.processorOptions.sequenceCheck,
    ).toBe('off');
  });
});
