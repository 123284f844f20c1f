import { describe, expect, it } from 'vitest';
import { rowToJson } from './row-json.js';

describe('rowToJson', () => {
  it('writes bigint as decimal strings so nanoseconds survive JSON', () => {
    const text = rowToJson({
      product_id: 'BTC-USD',
      server_timestamp: 1786309548483587501n,
      sequence_num: 13n,
      mid: 65083.665,
    });
    expect(text).toBe(
      '{"product_id":"BTC-USD","server_timestamp":"1786309548483587501","sequence_num":"13","mid":65083.665}',
    );
    expect(BigInt(JSON.parse(text).server_timestamp)).toBe(1786309548483587501n);
  });

  it('writes NaN and infinities as null and keeps null and booleans', () => {
    expect(rowToJson({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: null, d: false })).toBe(
      '{"a":null,"b":null,"c":null,"d":false}',
    );
  });
});
