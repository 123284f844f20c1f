import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettleGate } from './settle-gate.js';

function dir(files: Record<string, string>, mtime: Date): string {
  const d = mkdtempSync(path.join(tmpdir(), 'etl-settle-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(d, name), text);
    utimesSync(path.join(d, name), mtime, mtime);
  }
  return d;
}

describe('SettleGate', () => {
  it('takes a file once unchanged for the settle interval, by observation or by its mtime', async () => {
    const now = Date.now();
    const d = dir({ 'a.ndjson': '{"a":1}\n' }, new Date(now));
    const gate = new SettleGate(1000);
    expect(await gate.settled(d, ['a.ndjson'], now)).toEqual([]);
    expect(await gate.settled(d, ['a.ndjson'], now + 500)).toEqual([]);
    expect(await gate.settled(d, ['a.ndjson'], now + 1000)).toEqual(['a.ndjson']);
    // Moved in long after it was written: taken at once.
    const old = dir({ 'b.ndjson': '{"b":1}\n' }, new Date(now - 60_000));
    expect(await new SettleGate(1000).settled(old, ['b.ndjson'], now)).toEqual(['b.ndjson']);
  });

  it('starts over when the file changes', async () => {
    const now = Date.now();
    const d = dir({ 'a.ndjson': '{"a":1}\n' }, new Date(now));
    const gate = new SettleGate(1000);
    await gate.settled(d, ['a.ndjson'], now);
    writeFileSync(path.join(d, 'a.ndjson'), '{"a":1}\n{"a":2}\n');
    utimesSync(path.join(d, 'a.ndjson'), new Date(now + 900), new Date(now + 900));
    expect(await gate.settled(d, ['a.ndjson'], now + 1200)).toEqual([]);
    expect(await gate.settled(d, ['a.ndjson'], now + 2000)).toEqual(['a.ndjson']);
  });

  it('waits the longer grace for a file whose last line is cut, or that is empty', async () => {
    const now = Date.now();
    const d = dir(
      { 'cut.ndjson': '{"a":1}\n{"a":', 'empty.ndjson': '', 'x.ndjson.gz': 'gz' },
      new Date(now - 5000),
    );
    const gate = new SettleGate(1000, { cutLineGraceMs: 10_000 });
    const names = ['cut.ndjson', 'empty.ndjson', 'x.ndjson.gz'];
    expect(await gate.settled(d, names, now)).toEqual(['x.ndjson.gz']);
    expect(await gate.settled(d, names, now + 5000)).toEqual(names);
  });
});
