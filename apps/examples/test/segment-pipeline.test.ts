import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type SegmentPipelineResult } from '../src/segment-pipeline.js';

describe('examples/segment-pipeline', () => {
  let r: SegmentPipelineResult;
  beforeAll(async () => {
    r = await run();
  });

  it('writes every channel in one pass', () => {
    expect(r.all.lines).toBe(546);
    expect(r.all.datasets).toMatchObject({
      level2: { rows: 47_930 },
      market_trades: { rows: 147 },
      ticker: { rows: 73 },
      candles: { rows: 102 },
    });
    expect(r.all.quarantinedLines).toBe(0);
  });

  it('writes only the requested channels, with the same rows', () => {
    expect(Object.keys(r.some.datasets).sort()).toEqual(['level2', 'market_trades']);
    expect(r.some.datasets.level2?.rows).toBe(r.all.datasets.level2?.rows);
    expect(r.some.datasets.market_trades?.rows).toBe(147);
    expect(existsSync(path.join(r.someDir, 'coinbase', 'ticker'))).toBe(false);
  });
});
