import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, renderTable, toJson } from './format.js';

describe('renderTable', () => {
  it('right-aligns numeric columns, NULLs included, and left-aligns the rest', () => {
    const table = renderTable(
      ['product_id', 'n', 'bid'],
      [
        ['BTC-USD', 47930n, 65083.66],
        ['ETH-USD', 5n, null],
      ],
    );
    expect(table.split('\n')).toEqual([
      'product_id      n       bid',
      '──────────  ─────  ────────',
      'BTC-USD     47930  65083.66',
      'ETH-USD         5      NULL',
    ]);
  });

  it('takes alignment per column and keeps a row on one line whatever its text holds', () => {
    const table = renderTable(
      ['name', 'size'],
      [
        ['a\nb\tc', '1.0 KiB'],
        ['d', '12.5 MiB'],
      ],
      { align: ['left', 'right'] },
    );
    expect(table.split('\n')).toEqual([
      'name         size',
      '───────  ────────',
      'a\\nb\\tc   1.0 KiB',
      'd        12.5 MiB',
    ]);
  });

  it('renders a header alone when there are no rows', () => {
    expect(renderTable(['a', 'bb'], [])).toBe('a  bb\n─  ──');
  });
});

describe('number formats', () => {
  it('formats bytes, counts and durations for people', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual([
      '0 B',
      '1023 B',
      '1.5 KiB',
      '5.0 GiB',
    ]);
    expect(formatCount(1234567)).toBe('1,234,567');
    expect([
      formatDuration(Number.NaN),
      formatDuration(4.25),
      formatDuration(42),
      formatDuration(143),
      formatDuration(7300),
    ]).toEqual(['?', '4.3s', '42s', '2m23s', '2h01m']);
  });

  it('writes bigints as JSON numbers when exact, as strings beyond 2^53', () => {
    expect(toJson({ a: 5n, b: 2n ** 60n, c: 1.5 })).toBe('{"a":5,"b":"1152921504606846976","c":1.5}');
  });
});
