import { describe, expect, it } from 'vitest';
import { emptyStats, StatsCollector, sumStats } from './stats.js';

describe('StatsCollector', () => {
  it('starts at zero and snapshots its numbers', () => {
    const stats = new StatsCollector('reader');
    expect(stats.snapshot()).toEqual({
      name: 'reader',
      recordsIn: 0,
      recordsOut: 0,
      errors: 0,
      bytesIn: 0,
      bytesOut: 0,
      counters: {},
    });
    expect(stats.snapshot()).toEqual(emptyStats('reader'));
  });

  it('counts named counters, by one or by n', () => {
    const stats = new StatsCollector('parser');
    stats.count('heartbeats');
    stats.count('heartbeats');
    stats.count('gaps', 3);
    stats.count('zero', 0);
    expect(stats.counter('heartbeats')).toBe(2);
    expect(stats.counter('gaps')).toBe(3);
    expect(stats.counter('never')).toBe(0);
    expect(stats.snapshot().counters).toEqual({ heartbeats: 2, gaps: 3, zero: 0 });
  });

  it('snapshots are copies: later counting does not change them', () => {
    const stats = new StatsCollector('p');
    stats.recordsIn = 5;
    stats.count('x');
    const before = stats.snapshot();
    stats.recordsIn += 10;
    stats.count('x');
    expect(before.recordsIn).toBe(5);
    expect(before.counters).toEqual({ x: 1 });
    expect(stats.snapshot().recordsIn).toBe(15);
  });

  it('attaches stages only when given', () => {
    const stats = new StatsCollector('chain');
    expect('stages' in stats.snapshot()).toBe(false);
    const stage = emptyStats('a');
    expect(stats.snapshot([stage]).stages).toEqual([stage]);
  });
});

describe('sumStats', () => {
  it('adds every number and merges counters', () => {
    const a = new StatsCollector('reader');
    a.recordsIn = 10;
    a.recordsOut = 9;
    a.errors = 1;
    a.bytesIn = 1000;
    a.bytesOut = 900;
    a.count('lines', 10);
    a.count('truncated');
    const b = new StatsCollector('reader');
    b.recordsIn = 5;
    b.recordsOut = 5;
    b.bytesIn = 500;
    b.count('lines', 5);
    b.count('gzip');
    expect(sumStats('readers', [a.snapshot(), b.snapshot()])).toEqual({
      name: 'readers',
      recordsIn: 15,
      recordsOut: 14,
      errors: 1,
      bytesIn: 1500,
      bytesOut: 900,
      counters: { lines: 15, truncated: 1, gzip: 1 },
    });
  });

  it('of nothing is empty stats', () => {
    expect(sumStats('none', [])).toEqual(emptyStats('none'));
  });

  it('does not carry stages over', () => {
    const withStages = new StatsCollector('chain').snapshot([emptyStats('x')]);
    expect(sumStats('all', [withStages]).stages).toBeUndefined();
  });
});
