import { coinbaseExchangeSource, coinbaseSource } from '@etl/processors-coinbase';
import { describe, expect, it } from 'vitest';
import { FeedSniffer, judgeSegment, type SegmentEvidence, UnusableSegmentError } from './segment-verdict.js';

const base: SegmentEvidence = {
  input: '/raw/ready/coinbase/s.ndjson',
  source: coinbaseSource,
  lines: 10,
  quarantinedLines: 0,
  cutLines: 0,
  firstCutLine: undefined,
  messages: { l2_data: 8, heartbeats: 2 },
  rowsWritten: { level2: 40 },
  written: () => true,
  feed: 'coinbase',
};

const failure = (e: Partial<SegmentEvidence>): string => {
  try {
    judgeSegment({ ...base, ...e });
  } catch (error) {
    expect(error).toBeInstanceOf(UnusableSegmentError);
    return (error as Error).message;
  }
  throw new Error('expected the segment to fail');
};

describe('judgeSegment', () => {
  it('deletes a segment whose data lines all became rows', () => {
    expect(judgeSegment(base)).toEqual({ kind: 'delete' });
  });

  it('deletes a segment of only heartbeats and subscriptions: nothing to lose', () => {
    expect(judgeSegment({ ...base, messages: { heartbeats: 9, subscriptions: 1 }, rowsWritten: {} })).toEqual(
      {
        kind: 'delete',
      },
    );
  });

  it('fails a segment whose lines were all quarantined, naming the other feed when it looks like it', () => {
    expect(
      failure({ quarantinedLines: 10, messages: {}, rowsWritten: {}, feed: 'coinbase-exchange' }),
    ).toContain('--source coinbase-exchange');
    expect(
      failure({
        source: coinbaseExchangeSource,
        quarantinedLines: 10,
        messages: {},
        rowsWritten: {},
        feed: 'coinbase',
      }),
    ).toContain('--source coinbase, the default');
    expect(failure({ quarantinedLines: 10, feed: undefined })).toContain('all 10 lines were quarantined');
  });

  it('keeps a segment with a line longer than the reader bound (its quarantine entry is cut)', () => {
    const v = judgeSegment({ ...base, cutLines: 1, firstCutLine: 7, quarantinedLines: 1 });
    expect(v).toMatchObject({ kind: 'keep', skippedLines: {} });
    expect(v.kind === 'keep' && v.reason).toContain('the first is line 7');
  });

  it('fails a segment whose data lines produced no row, and one whose datasets are all unselected', () => {
    expect(failure({ rowsWritten: { quality: 3 } })).toContain('no row was written');
    expect(failure({ rowsWritten: {}, written: (d) => d === 'candles' })).toContain('does not write');
  });

  it('keeps a segment holding lines of datasets this run does not write, counting them by channel', () => {
    const v = judgeSegment({
      ...base,
      messages: { l2_data: 8, market_trades: 3, ticker_batch: 2 },
      written: (d) => d === 'level2',
    });
    expect(v).toMatchObject({ kind: 'keep', skippedLines: { market_trades: 3, ticker_batch: 2 } });
  });

  it('maps Exchange-feed message types to their datasets', () => {
    const v = judgeSegment({
      ...base,
      source: coinbaseExchangeSource,
      messages: { snapshot: 1, l2update: 5, match: 2, heartbeat: 4 },
      written: (d) => d === 'level2',
    });
    expect(v).toMatchObject({ kind: 'keep', skippedLines: { match: 2 } });
  });
});

describe('FeedSniffer', () => {
  const records = (values: unknown[]) =>
    values.map((value, i) => ({ file: 'f', line: i + 1, bytes: 1, value }));

  it('tells the Exchange feed from Advanced Trade frames, enveloped or bare', () => {
    const exchange = new FeedSniffer();
    exchange.observe(
      records([{ type: 'snapshot' }, { type: 'l2update' }, { data: { type: 'match' } }, 'text']),
    );
    expect(exchange.feed).toBe('coinbase-exchange');
    const advanced = new FeedSniffer();
    advanced.observe(
      records([{ channel: 'l2_data' }, { data: { channel: 'ticker', type: 'x' } }, { type: 'error' }]),
    );
    expect(advanced.feed).toBe('coinbase');
    expect(new FeedSniffer().feed).toBeUndefined();
  });
});
