import { describe, expect, it } from 'vitest';
import { segmentMessages } from './__fixtures__/level2-session-rows.js';
import { SequenceTracker } from './sequence-tracker.js';

describe('SequenceTracker', () => {
  it('classifies consecutive, repeated, jumping and restarting numbers (strict)', () => {
    const t = new SequenceTracker('strict');
    expect(t.observe(5n)).toBe('first');
    expect(t.observe(6n)).toBe('ok');
    expect(t.observe(6n)).toBe('repeat');
    expect(t.observe(9n)).toBe('gap');
    expect(t.previousSequence()).toBe(6n);
    expect(t.observe(0n)).toBe('reconnect');
    expect(t.observe(1n)).toBe('ok');
    expect(t.lastSequence()).toBe(1n);
  });

  it("'auto' treats jumps as unverified while acked products were never seen in data", () => {
    const t = new SequenceTracker('auto');
    expect(t.observe(0n)).toBe('first');
    t.seeProduct('BTC-USD');
    // The ack itself carries the evidence: ETH-USD is subscribed but absent from the data.
    expect(t.observe(2n, { level2: ['BTC-USD', 'ETH-USD'], heartbeats: ['heartbeats'] })).toBe('unverified');
    expect(t.looksFiltered()).toBe(true);
    expect(t.unseenProducts()).toEqual(['ETH-USD']);
    expect(t.observe(5n)).toBe('unverified');
    t.seeProduct('ETH-USD');
    expect(t.looksFiltered()).toBe(false);
    expect(t.observe(7n)).toBe('gap'); // now the capture looks complete
  });

  it("'auto' is strict when every subscribed product has shown up (heartbeats/status do not count)", () => {
    const t = new SequenceTracker('auto');
    t.observe(0n, { level2: ['BTC-USD'], heartbeats: ['heartbeats'], status: ['SOL-USD'] });
    t.seeProduct('BTC-USD');
    expect(t.observe(1n)).toBe('ok');
    expect(t.observe(3n)).toBe('gap');
  });

  it('a reconnect forgets the old connection: its acks and products', () => {
    const t = new SequenceTracker('auto');
    t.observe(10n, { ticker: ['BTC-USD', 'ETH-USD'] });
    t.seeProduct('BTC-USD');
    expect(t.looksFiltered()).toBe(true);
    expect(t.observe(0n)).toBe('reconnect');
    expect(t.looksFiltered()).toBe(false);
    expect(t.observe(2n)).toBe('gap');
  });

  it("'off' checks nothing", () => {
    const t = new SequenceTracker('off');
    expect(t.observe(1n)).toBe('unchecked');
    expect(t.observe(100n)).toBe('unchecked');
    expect(t.observe(3n)).toBe('unchecked');
    expect(t.lastSequence()).toBe(3n);
    expect(() => new SequenceTracker('lenient' as 'auto')).toThrow(/sequenceCheck/);
  });

  it('carries last number, products seen and subscribed through a JSON checkpoint', () => {
    const t = new SequenceTracker('auto');
    t.observe(41n, { level2: ['BTC-USD', 'ETH-USD'] });
    t.seeProduct('BTC-USD');
    const state = JSON.parse(JSON.stringify(t.checkpoint()));
    expect(state).toEqual({
      lastSequence: '41',
      productsSeen: ['BTC-USD'],
      productsSubscribed: ['BTC-USD', 'ETH-USD'],
    });
    const u = new SequenceTracker('auto');
    u.restore(state);
    expect(u.lastSequence()).toBe(41n);
    expect(u.observe(45n)).toBe('unverified');
    expect(() => u.restore({ lastSequence: 'x', productsSeen: [], productsSubscribed: [] })).toThrow(
      /lastSequence/,
    );
  });

  it('on the real product-filtered session: 299 jumps, all unverified in auto, all gaps in strict', () => {
    const verdicts = { auto: new Map<string, number>(), strict: new Map<string, number>() };
    for (const mode of ['auto', 'strict'] as const) {
      const t = new SequenceTracker(mode);
      for (const rows of segmentMessages()) {
        const first = rows[0]!;
        const v = t.observe(first.sequence_num as bigint, first.subscriptions);
        verdicts[mode].set(v, (verdicts[mode].get(v) ?? 0) + 1);
        for (const r of rows) if (typeof r.product_id === 'string') t.seeProduct(r.product_id);
      }
      expect(t.lastSequence()).toBe(1028n); // 1029 was an ETH-USD frame
    }
    expect(Object.fromEntries(verdicts.auto)).toEqual({ first: 1, ok: 246, unverified: 299 });
    expect(Object.fromEntries(verdicts.strict)).toEqual({ first: 1, ok: 246, gap: 299 });
  });
});
