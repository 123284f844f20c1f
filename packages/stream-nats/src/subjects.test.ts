import { describe, expect, it } from 'vitest';
import { marketDataSubject, NO_PRODUCT_TOKEN, subjectToken } from './subjects.js';

describe('subjectToken', () => {
  it('keeps product ids as they are', () => {
    expect(subjectToken('BTC-USD')).toBe('BTC-USD');
    expect(subjectToken('l2_data')).toBe('l2_data');
  });

  it('replaces separators, wildcards and whitespace so a value stays one token', () => {
    expect(subjectToken('a.b')).toBe('a_b');
    expect(subjectToken('*')).toBe('_');
    expect(subjectToken('x>y z\tq')).toBe('x_y_z_q');
    expect(subjectToken('../../x')).toBe('__/__/x');
  });

  it('uses "_" for missing values', () => {
    expect(subjectToken(null)).toBe(NO_PRODUCT_TOKEN);
    expect(subjectToken(undefined)).toBe('_');
    expect(subjectToken('')).toBe('_');
  });
});

describe('marketDataSubject', () => {
  it('builds <prefix>.<channel>.<product>', () => {
    expect(marketDataSubject('md.coinbase', 'l2_data', 'BTC-USD')).toBe('md.coinbase.l2_data.BTC-USD');
    expect(marketDataSubject('md.coinbase', 'heartbeats', null)).toBe('md.coinbase.heartbeats._');
    expect(marketDataSubject('md.coinbase', 'weird.channel', 'A*B')).toBe('md.coinbase.weird_channel.A_B');
  });
});
