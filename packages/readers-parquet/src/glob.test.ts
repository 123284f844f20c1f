import { describe, expect, it } from 'vitest';
import { GlobPattern, isGlob, matchSegment } from './glob.js';

describe('matchSegment', () => {
  it('matches literals, ? and *', () => {
    expect(matchSegment('part-0.parquet', 'part-0.parquet')).toBe(true);
    expect(matchSegment('part-?.parquet', 'part-7.parquet')).toBe(true);
    expect(matchSegment('part-?.parquet', 'part-17.parquet')).toBe(false);
    expect(matchSegment('*.parquet', 'part-17.parquet')).toBe(true);
    expect(matchSegment('*.parquet', 'part-17.parquet.tmp')).toBe(false);
    expect(matchSegment('date=2026-08-1?', 'date=2026-08-10')).toBe(true);
    expect(matchSegment('date=2026-08-1?', 'date=2026-08-09')).toBe(false);
    expect(matchSegment('*', '')).toBe(true);
    expect(matchSegment('a*b*c', 'aXXbYYbc')).toBe(true);
    expect(matchSegment('a*b*c', 'aXXbYYbd')).toBe(false);
    expect(matchSegment('**', 'anything')).toBe(true);
    expect(matchSegment('x', '')).toBe(false);
  });
});

describe('GlobPattern', () => {
  it('splits the static base directory from the pattern', () => {
    expect(new GlobPattern('out/level2/**/*.parquet').base).toBe('out/level2');
    expect(new GlobPattern('out/level2/**/*.parquet').segments).toEqual(['**', '*.parquet']);
    expect(new GlobPattern('/data/product_id=*/x.parquet').base).toBe('/data');
    expect(new GlobPattern('*.parquet').base).toBe('.');
    expect(new GlobPattern('/*.parquet').base).toBe('/');
  });

  it('matches relative paths with ** spanning zero or more directories', () => {
    const g = new GlobPattern('d/**/*.parquet');
    expect(g.matches(['a.parquet'])).toBe(true);
    expect(g.matches(['product_id=BTC-USD', 'date=2026-08-09', 'a.parquet'])).toBe(true);
    expect(g.matches(['product_id=BTC-USD', 'a.txt'])).toBe(false);
    const h = new GlobPattern('d/product_id=*/date=2026-08-0?/*.parquet');
    expect(h.matches(['product_id=ETH-USD', 'date=2026-08-09', 'p.parquet'])).toBe(true);
    expect(h.matches(['product_id=ETH-USD', 'date=2026-08-10', 'p.parquet'])).toBe(false);
    expect(h.matches(['product_id=ETH-USD', 'p.parquet'])).toBe(false);
  });

  it('tells which directories may hold matches, so the walk skips the rest', () => {
    const h = new GlobPattern('d/product_id=BTC-*/date=*/*.parquet');
    expect(h.mayContainMatches(['product_id=BTC-USD'])).toBe(true);
    expect(h.mayContainMatches(['product_id=ETH-USD'])).toBe(false);
    expect(h.mayContainMatches(['product_id=BTC-USD', 'date=2026-08-09'])).toBe(true);
    // A directory as deep as the whole pattern cannot contain a matching file.
    expect(h.mayContainMatches(['product_id=BTC-USD', 'date=2026-08-09', 'x'])).toBe(false);
    expect(new GlobPattern('d/**/x.parquet').mayContainMatches(['a', 'b', 'c'])).toBe(true);
  });

  it('recognises glob syntax', () => {
    expect(isGlob('out/**/*.parquet')).toBe(true);
    expect(isGlob('out/part-?.parquet')).toBe(true);
    expect(isGlob('out/product_id=A%2FB')).toBe(false);
  });
});
