import path from 'node:path';
import { ConfigError, HIVE_DEFAULT_PARTITION, parsePartitionPath, SchemaError } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { L2_FIXTURE, readLevel2Rows } from './__fixtures__/level2.js';
import { HivePartitioner } from './hive-partitioner.js';

describe('HivePartitioner', () => {
  it('builds key=value directories, outermost column first', () => {
    const p = new HivePartitioner(['product_id', 'date']);
    const part = p.partitionOf({ product_id: 'BTC-USD', date: '2026-08-09', price: 1 });
    expect(part.dir).toBe('product_id=BTC-USD/date=2026-08-09');
    expect(part.values).toEqual({ product_id: 'BTC-USD', date: '2026-08-09' });
    expect(part.id).toBe(0);
    expect(part.truncated).toBe(false);
  });

  it('returns the same partition object for the same values and numbers partitions densely', () => {
    const p = new HivePartitioner(['product_id', 'date']);
    const a = p.partitionOf({ product_id: 'BTC-USD', date: '2026-08-09' });
    const b = p.partitionOf({ product_id: 'ETH-USD', date: '2026-08-09' });
    const c = p.partitionOf({ product_id: 'BTC-USD', date: '2026-08-10' });
    expect(p.partitionOf({ product_id: 'BTC-USD', date: '2026-08-09' })).toBe(a);
    expect([a.id, b.id, c.id]).toEqual([0, 1, 2]);
    expect(p.size).toBe(3);
  });

  it('escapes values the Spark way', () => {
    const p = new HivePartitioner(['k']);
    const dir = (v: unknown) => p.partitionOf({ k: v }).dir;
    expect(dir('a/b')).toBe('k=a%2Fb');
    expect(dir('100%')).toBe('k=100%25');
    expect(dir('x=y')).toBe('k=x%3Dy');
    expect(dir('a:b?c*d')).toBe('k=a%3Ab%3Fc%2Ad');
    expect(dir('tab\there')).toBe('k=tab%09here');
    expect(dir('BTC-USD')).toBe('k=BTC-USD');
    expect(dir('..')).toBe('k=%2E%2E');
  });

  it('maps null, undefined and empty to __HIVE_DEFAULT_PARTITION__ (one partition)', () => {
    const p = new HivePartitioner(['k']);
    const a = p.partitionOf({ k: null });
    const b = p.partitionOf({});
    const c = p.partitionOf({ k: '' });
    expect(a.dir).toBe(`k=${HIVE_DEFAULT_PARTITION}`);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a.values).toEqual({ k: null });
    expect(p.size).toBe(1);
  });

  it('keeps hostile values inside the dataset directory and round-trips them', () => {
    const base = '/data/out/coinbase/level2';
    const p = new HivePartitioner(['product_id', 'date']);
    for (const hostile of [
      '../../x',
      '../',
      '/etc/passwd',
      'a/b',
      '%',
      '=',
      '..',
      '.',
      'x\u0000y',
      '\\..\\..',
    ]) {
      const part = p.partitionOf({ product_id: hostile, date: '2026-08-09' });
      const resolved = path.resolve(base, part.dir);
      expect(resolved.startsWith(`${base}/`)).toBe(true);
      expect(part.dir.split('/')).toHaveLength(2);
      expect(parsePartitionPath(part.dir)).toEqual({ product_id: hostile, date: '2026-08-09' });
    }
  });

  it('turns numbers, bigints and booleans into their string form', () => {
    const p = new HivePartitioner(['n', 'b', 't']);
    const part = p.partitionOf({ n: 7, b: 12n, t: true });
    expect(part.dir).toBe('n=7/b=12/t=true');
    expect(part.values).toEqual({ n: '7', b: '12', t: 'true' });
    expect(p.partitionOf({ n: '7', b: '12', t: 'true' })).toBe(part);
    expect(() => p.partitionOf({ n: { x: 1 }, b: 1, t: 1 })).toThrow(SchemaError);
  });

  it('caps very long segments at 200 bytes with a hash, keeping distinct values distinct', () => {
    const p = new HivePartitioner(['product_id']);
    const long = 'A'.repeat(300);
    const a = p.partitionOf({ product_id: long });
    const b = p.partitionOf({ product_id: `${long}B` });
    expect(Buffer.byteLength(a.dir)).toBeLessThanOrEqual(200);
    expect(a.dir).toMatch(/^product_id=A+~[0-9a-f]{16}$/);
    expect(a.truncated).toBe(true);
    expect(b.dir).not.toBe(a.dir);
    expect(a.values.product_id).toBe(long);
    // Escapes and multi-byte characters are never cut in half.
    const slashes = p.partitionOf({ product_id: '/'.repeat(100) });
    expect(slashes.dir).toMatch(/^product_id=(%2F)+~[0-9a-f]{16}$/);
    expect(Buffer.byteLength(slashes.dir)).toBeLessThanOrEqual(200);
    const euros = p.partitionOf({ product_id: '€'.repeat(100) });
    expect(euros.dir).toMatch(/^product_id=€+~[0-9a-f]{16}$/);
    expect(Buffer.byteLength(euros.dir)).toBeLessThanOrEqual(200);
    // Exactly at the limit is kept whole.
    const exact = 'x'.repeat(200 - 'product_id='.length);
    expect(p.partitionOf({ product_id: exact }).dir).toBe(`product_id=${exact}`);
  });

  it('checks each distinct raw value once through checkValue', () => {
    const seen: [string, unknown][] = [];
    const p = new HivePartitioner(['product_id', 'date'], {
      checkValue: (column, value) => {
        seen.push([column, value]);
        if (value === 'bad') throw new SchemaError(`${column} is bad`);
      },
    });
    for (let i = 0; i < 3; i++) p.partitionOf({ product_id: 'BTC-USD', date: '2026-08-09' });
    p.partitionOf({ product_id: 'BTC-USD', date: '2026-08-10' });
    expect(seen).toEqual([
      ['product_id', 'BTC-USD'],
      ['date', '2026-08-09'],
      ['date', '2026-08-10'],
    ]);
    expect(() => p.partitionOf({ product_id: 'bad', date: '2026-08-09' })).toThrow('product_id is bad');
    // A rejected value is not cached: it is rejected again.
    expect(() => p.partitionOf({ product_id: 'bad', date: '2026-08-09' })).toThrow(SchemaError);
  });

  it('rejects bad partition column lists', () => {
    expect(() => new HivePartitioner(['a', 'a'])).toThrow(ConfigError);
    expect(() => new HivePartitioner([''])).toThrow(ConfigError);
    expect(() => new HivePartitioner(['k'.repeat(190)])).toThrow(ConfigError);
  });

  it('puts every row in one partition without partition columns', () => {
    const p = new HivePartitioner([]);
    expect(p.partitionOf({ a: 1 }).dir).toBe('');
    expect(p.partitionOf({ a: 2 })).toBe(p.partitionOf({}));
    expect(p.size).toBe(1);
  });

  it('routes the real level2 capture to its date/hour partitions', async () => {
    const rows = await readLevel2Rows(L2_FIXTURE);
    const p = new HivePartitioner(['product_id', 'date', 'hour']);
    const counts = new Map<string, number>();
    for (const row of rows) {
      const dir = p.partitionOf(row).dir;
      counts.set(dir, (counts.get(dir) ?? 0) + 1);
    }
    expect([...counts.keys()]).toEqual(['product_id=BTC-USD/date=2026-08-09/hour=21']);
    expect(counts.get('product_id=BTC-USD/date=2026-08-09/hour=21')).toBe(rows.length);
    expect(p.partitionOf(rows[0]!).values).toEqual({ product_id: 'BTC-USD', date: '2026-08-09', hour: '21' });
  });
});
