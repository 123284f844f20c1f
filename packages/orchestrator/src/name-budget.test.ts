import { describe, expect, it } from 'vitest';
import { fitName, isShortenedName, NAME_MAX_BYTES, storageId } from './name-budget.js';

describe('fitName', () => {
  it('keeps a name that fits and shortens one that does not, deterministically and within NAME_MAX', () => {
    expect(fitName('segment_20260809T21_00001.ndjson', 40)).toBe('segment_20260809T21_00001.ndjson');
    const long = `${'é'.repeat(120)}.ndjson`;
    const short = fitName(long, 40);
    expect(Buffer.byteLength(short) + 40).toBeLessThanOrEqual(NAME_MAX_BYTES);
    expect(short).toBe(fitName(long, 40));
    expect(isShortenedName(short)).toBe(true);
    expect(short.startsWith('é'.repeat(10))).toBe(true);
    // Two long names sharing a prefix stay apart.
    expect(fitName(`${'a'.repeat(250)}1.ndjson`, 40)).not.toBe(fitName(`${'a'.repeat(250)}2.ndjson`, 40));
  });
});

describe('storageId', () => {
  it('is the id itself when short and file-name safe, a distinct hashed id otherwise', () => {
    expect(storageId('segment_20260809T21_00001')).toBe('segment_20260809T21_00001');
    // The writer would map both to `a_b`: they must not share part files.
    expect(storageId('a b')).not.toBe(storageId('a_b'));
    expect(storageId('a b')).toMatch(/^a_b-[0-9a-f]{16}$/);
    const a = storageId(`${'x'.repeat(200)}a`);
    const b = storageId(`${'x'.repeat(200)}b`);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(100);
  });
});
