import { ConfigError, optionDefaults, type SourceDatasetSettings, silentLogger } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { coinbaseExchangeSource, coinbaseSource } from './coinbase-source.js';
import { datasetForChannel } from './dataset-channels.js';
import { datasetOfType } from './exchange-feed-messages.js';
import { Level2Processor } from './level2-processor.js';
import { level2Schema } from './schemas.js';

/** Every dataset with its declared defaults, overlaid with `over`. */
function settings(
  over: Record<string, Partial<SourceDatasetSettings>> = {},
): Record<string, SourceDatasetSettings> {
  const out: Record<string, SourceDatasetSettings> = {};
  for (const d of coinbaseSource.datasets) {
    out[d.name] = {
      enabled: over[d.name]?.enabled ?? true,
      processorOptions: { ...optionDefaults(d.options ?? {}), ...over[d.name]?.processorOptions },
    };
  }
  return out;
}

describe('the Coinbase sources', () => {
  it('declare the four datasets with the seed partitioning, the side datasets and the control rows', () => {
    expect(coinbaseSource.datasets.map((d) => [d.name, d.partitionCols])).toEqual([
      ['level2', ['product_id', 'date']],
      ['market_trades', ['product_id', 'date']],
      ['ticker', ['date', 'hour']],
      ['candles', ['product_id', 'date']],
    ]);
    expect(coinbaseSource.directory).toBe('coinbase');
    expect(coinbaseExchangeSource.directory).toBe('coinbase');
    expect(coinbaseSource.datasetOfChannel('l2_data')).toBe('level2');
    expect(coinbaseSource.datasetOfChannel('ticker_batch')).toBe('ticker');
    expect(coinbaseSource.datasetOfChannel('_sequence')).toBeNull();
    expect(coinbaseSource.sideDataset('quality')?.partitionCols).toEqual(['date']);
    expect(coinbaseSource.sideDataset('book_snapshot_10_1s')?.partitionCols).toEqual(['product_id', 'date']);
  });

  it('say which messages fill which dataset exactly as the parsers route them', () => {
    for (const channel of [
      'l2_data',
      'market_trades',
      'ticker',
      'ticker_batch',
      'candles',
      'heartbeats',
      'status',
    ])
      expect(coinbaseSource.datasetOfInput(channel)).toBe(datasetForChannel(channel));
    for (const type of [
      'snapshot',
      'l2update',
      'match',
      'last_match',
      'ticker',
      'heartbeat',
      'subscriptions',
    ])
      expect(coinbaseExchangeSource.datasetOfInput(type)).toBe(datasetOfType(type));
  });

  it('share datasets and options; only the Exchange feed turns the sequence check off by default', () => {
    expect(coinbaseExchangeSource.datasets.map((d) => d.name)).toEqual(
      coinbaseSource.datasets.map((d) => d.name),
    );
    const level2 = (s: typeof coinbaseSource) => optionDefaults(s.dataset('level2')!.options!);
    expect(level2(coinbaseSource)).toEqual({ ...level2(coinbaseExchangeSource), sequenceCheck: 'auto' });
    expect(level2(coinbaseExchangeSource).sequenceCheck).toBe('off');
    expect(coinbaseSource.lineParser).toBeTypeOf('function');
    expect(coinbaseExchangeSource.lineParser).toBeUndefined();
  });

  it('declare one computeFeatures default, true, which Level2Processor applies too', () => {
    expect(optionDefaults(coinbaseSource.dataset('level2')!.options!).computeFeatures).toBe(true);
    const columns = new Level2Processor().outputSchema(level2Schema)!.fields.map((f) => f.name);
    expect(columns).toContain('microprice');
    expect(columns).toContain('ofi');
    // Without the book there is nothing to compute them from.
    expect(new Level2Processor({ reconstructLob: false }).outputSchema(level2Schema)).toBe(level2Schema);
  });

  it('refuse settings where features or the aggressor need a book that is not rebuilt', () => {
    const noBook = settings({ level2: { processorOptions: { reconstructLob: false } } });
    expect(() => coinbaseSource.checkSettings!(noBook, 'etl.channels')).toThrow(ConfigError);
    expect(() => coinbaseSource.checkSettings!(noBook, 'etl.channels')).toThrow(
      'config etl.channels.level2.processor_options.reconstruct_lob: is false, but level2 compute_features (default true) and market_trades infer_aggressor (default true) need the book: turn them off too',
    );
    const fine = settings({
      level2: { processorOptions: { reconstructLob: false, computeFeatures: false } },
      market_trades: { processorOptions: { inferAggressor: false } },
    });
    expect(() => coinbaseSource.checkSettings!(fine, 'etl.channels')).not.toThrow();
  });

  it('build the level2 processor only when level2 is written or trades need the book', () => {
    const names = (s: Record<string, SourceDatasetSettings>) =>
      coinbaseSource
        .processors({ datasets: s, logger: silentLogger, messagesEndAtBatchEnd: false })
        .map((p) => p.name);
    expect(names(settings())).toEqual(['level2', 'TradesProcessor', 'TickerProcessor']);
    expect(names(settings({ level2: { enabled: false } }))).toEqual([
      'level2',
      'TradesProcessor',
      'TickerProcessor',
    ]);
    expect(names(settings({ level2: { enabled: false }, market_trades: { enabled: false } }))).toEqual([
      'TradesProcessor',
      'TickerProcessor',
    ]);
  });
});
