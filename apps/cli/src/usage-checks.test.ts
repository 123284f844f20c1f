import { describe, expect, it } from 'vitest';
import { maxErrorsOf, maxErrorsWording, sourceOf } from './config.js';
import { knownChannels, parseDate, parseSelection } from './usage-checks.js';

describe('usage checks', () => {
  it('accepts real calendar dates only', () => {
    expect(parseDate('date', '2028-02-29')).toBe('2028-02-29');
    for (const bad of ['2026-02-29', '2026-02-30', '2026-04-31', '2026-00-10', '2026-1-01', 'yesterday'])
      expect(() => parseDate('date', bad), bad).toThrow(
        `--date must be a calendar date YYYY-MM-DD, got ${bad}`,
      );
  });

  it('implies the mode from the date flags', () => {
    expect(parseSelection({})).toEqual({ mode: 'all' });
    expect(parseSelection({ date: '2026-08-09' })).toEqual({ mode: 'date', date: '2026-08-09' });
    expect(parseSelection({ 'start-date': '2026-08-01', 'end-date': '2026-08-09' })).toEqual({
      mode: 'range',
      start: '2026-08-01',
      end: '2026-08-09',
    });
    expect(() => parseSelection({ 'start-date': '2026-08-09', 'end-date': '2026-08-01' })).toThrow(
      '--start-date must not be after --end-date',
    );
  });

  it('knows the built-in channels and the plugin outputs of the config', () => {
    expect(knownChannels(undefined)).toEqual(['level2', 'market_trades', 'ticker', 'candles']);
    expect(
      knownChannels({ market_trades: { processors: [{ use: 'a', output: 'bars' }, { use: 'b' }] } }),
    ).toEqual(['level2', 'market_trades', 'ticker', 'candles', 'bars']);
  });

  it("takes --channels names from the source's datasets", () => {
    expect(knownChannels(undefined, 'coinbase-exchange')).toEqual([
      'level2',
      'market_trades',
      'ticker',
      'candles',
    ]);
    expect(() => knownChannels(undefined, 'kraken')).toThrow(/--source: unknown source "kraken"/);
  });

  it('lets --source and --max-errors win over the config, and names the limit as written', () => {
    expect(sourceOf(undefined, undefined)).toBe('coinbase');
    expect(sourceOf(undefined, 'coinbase-exchange')).toBe('coinbase-exchange');
    expect(sourceOf('coinbase', 'coinbase-exchange')).toBe('coinbase');
    // The queue and the stream take the built-in sources only; a source package is for run and watch.
    expect(() => sourceOf(undefined, './acme-source.js')).toThrow(
      'config etl.source: must be one of coinbase, coinbase-exchange here (a source package or path is read by etl run and etl watch only), got "./acme-source.js"',
    );
    expect(maxErrorsOf(undefined, undefined)).toBeUndefined();
    expect(maxErrorsOf(undefined, 5)).toEqual({ value: 5, key: 'etl.max_errors' });
    expect(maxErrorsOf('0', 5)).toEqual({ value: 0, key: '--max-errors' });
    expect(() => maxErrorsOf('1.5', undefined)).toThrow('--max-errors must be a whole number ≥ 0, got 1.5');
    const message = 'a.ndjson: 2 bad records exceed maxErrors=1';
    expect(maxErrorsWording('etl.max_errors')(message)).toBe(
      'a.ndjson: 2 bad records exceed etl.max_errors=1',
    );
    expect(maxErrorsWording('--max-errors')(message)).toBe('a.ndjson: 2 bad records exceed --max-errors 1');
    expect(maxErrorsWording(undefined)(message)).toBe(message);
  });
});
