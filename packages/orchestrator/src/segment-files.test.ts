import path from 'node:path';
import type { Row } from '@etl/core';
import { coinbaseSource } from '@etl/processors-coinbase';
import { describe, expect, it } from 'vitest';
import { datasetOfRow, routeRows } from './dataset-router.js';
import { stageDir } from './job.js';
import { isSegmentFile, segmentDate, segmentId } from './segment-id.js';

describe('segment names', () => {
  it('derives ids and dates from segment file names', () => {
    expect(segmentId('/x/segment_20251126T14_00042.ndjson')).toBe('segment_20251126T14_00042');
    expect(segmentId('segment_20251126T14_00042.ndjson.zst')).toBe('segment_20251126T14_00042');
    expect(segmentDate('segment_20251126T14_00042.ndjson.gz')).toBe('2025-11-26');
    expect(segmentDate('advanced-l2_data-BTC-USD.ndjson')).toBeUndefined();
    expect(isSegmentFile('segment_1.ndjson')).toBe(true);
    expect(isSegmentFile('.segment_1.ndjson')).toBe(false);
    expect(isSegmentFile('notes.txt')).toBe(false);
  });

  it('puts processing/done/failed beside ready/', () => {
    expect(stageDir('/data/raw/ready/coinbase', 'processing')).toBe('/data/raw/processing/coinbase');
    expect(stageDir('/data/in', 'failed')).toBe(path.resolve('/data/failed/in'));
  });
});

describe('routeRows', () => {
  it('routes by channel, keeps order and drops control rows', () => {
    const rows: Row[] = [
      { channel: 'l2_data', n: 1 },
      { channel: 'l2_data', n: 2 },
      { channel: '_sequence', n: 3 },
      { channel: 'market_trades', n: 4 },
      { channel: 'ticker_batch', n: 5 },
      { channel: 'ticker', n: 6 },
      { channel: 'quality', n: 7 },
      { channel: 'l2_data', n: 8 },
    ];
    const routed = routeRows(coinbaseSource, rows);
    expect([...routed.keys()]).toEqual(['level2', 'market_trades', 'ticker', 'quality']);
    expect(routed.get('level2')!.map((r) => r.n)).toEqual([1, 2, 8]);
    expect(routed.get('ticker')!.map((r) => r.n)).toEqual([5, 6]);
    expect(datasetOfRow(coinbaseSource, { channel: 'book_snapshot_10_1s' })).toBe('book_snapshot_10_1s');
    expect(datasetOfRow(coinbaseSource, {})).toBeUndefined();
  });
});
