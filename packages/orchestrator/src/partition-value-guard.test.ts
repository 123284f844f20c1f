import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate, PartitionValueGuard } from './partition-value-guard.js';

describe('PartitionValueGuard', () => {
  it('sets aside rows whose partition values are not valid Unicode, keeping the rest in order', () => {
    expect([
      hasLoneSurrogate('BTC-USD'),
      hasLoneSurrogate('a\ud83d\ude00b'),
      hasLoneSurrogate('\ud800'),
      hasLoneSurrogate('x\udc00'),
    ]).toEqual([false, false, true, true]);
    const put: { line: number; reason: string; file: string }[] = [];
    const guard = new PartitionValueGuard(['product_id', 'date'], '/out/market_trades', {
      put: (e) => put.push(e),
    });
    const good = [
      { product_id: 'BTC-USD', date: '2026-08-09' },
      { product_id: '../../x', date: '2026-08-09' },
    ];
    expect(guard.filter(good)).toBe(good);
    const rows = [
      { product_id: 'BTC-USD', n: 1 },
      { product_id: 'a\ud800', n: 2 },
      { product_id: 'BTC-USD', n: 3 },
      { product_id: '\udfff', n: 4 },
    ];
    expect(guard.filter(rows).map((r) => r.n)).toEqual([1, 3]);
    expect(put.map((e) => [e.file, e.line])).toEqual([
      ['/out/market_trades', 4],
      ['/out/market_trades', 6],
    ]);
    expect(put[0]!.reason).toMatch(/product_id .*lone surrogate/);
  });
});
