import { describe, expect, it } from 'vitest';
import { isRecord, sleep, temporaryPathFor } from './index.js';

describe('isRecord', () => {
  it('accepts plain objects only', () => {
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    for (const value of [null, undefined, [], [1], 'x', 1, true]) expect(isRecord(value)).toBe(false);
  });
});

describe('sleep', () => {
  it('resolves after the delay when no signal aborts', async () => {
    const controller = new AbortController();
    let woke = false;
    const waiting = sleep(1, controller.signal).then(() => (woke = true));
    await waiting;
    expect(woke).toBe(true);
  });

  it('wakes as soon as any of its signals aborts', async () => {
    const first = new AbortController();
    const second = new AbortController();
    const waiting = sleep(3_600_000, first.signal, undefined, second.signal);
    second.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('resolves at once when a signal has already aborted', async () => {
    const waiting = sleep(3_600_000, AbortSignal.abort());
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe('temporaryPathFor', () => {
  it('names a hidden temporary beside the file, with this process id, ending in .tmp', () => {
    const name = temporaryPathFor('/data/out/part-0.parquet');
    expect(name).toMatch(new RegExp(`^/data/out/\\.part-0\\.parquet\\.${process.pid}-[0-9a-f]{8}\\.tmp$`));
    expect(temporaryPathFor('/data/out/part-0.parquet')).not.toBe(name);
  });
});
