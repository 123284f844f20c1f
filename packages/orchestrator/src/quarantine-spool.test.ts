import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QuarantineSpool } from './quarantine-spool.js';

const entry = (file: string, line: number, stage = 'reader') => ({
  file,
  line,
  reason: `bad ${line}`,
  raw: 'x'.repeat(5000),
  stage,
});

describe('QuarantineSpool', () => {
  it('spools entries to a hidden temporary file, counting distinct input lines and other rows apart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etl-spool-'));
    const spool = new QuarantineSpool(path.join(dir, '_quarantine', 's1.ndjson'), '/in/s1.ndjson');
    spool.put(entry('/in/s1.ndjson', 3));
    spool.put(entry('/in/s1.ndjson', 3, 'parser')); // the same line again
    await spool.flush();
    spool.put(entry('/in/s1.ndjson', 9, 'parser'));
    spool.put(entry('/out/coinbase/level2', 1, 'parquet-writer'));
    expect([spool.lineCount, spool.rowCount]).toEqual([2, 1]);
    // Parser entries get their line's exact text, read back from the input.
    const asked: number[][] = [];
    const temp = await spool.finish(async function* (wanted) {
      asked.push([...wanted].sort());
      yield { line: 9, text: ' {"line": 9} ' };
      yield { line: 3, text: '{"line":3}' };
    });
    expect(asked).toEqual([[3, 9]]);
    expect(temp && path.basename(temp)).toMatch(/^\.s1\.ndjson\.\d+-[0-9a-f]+\.tmp$/);
    const lines = readFileSync(temp!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.stage])).toEqual([
      [3, 'reader'],
      [1, 'parquet-writer'],
      [9, 'parser'],
      [3, 'parser'],
    ]);
    expect(lines.slice(2).map((l) => l.raw)).toEqual([' {"line": 9} ', '{"line":3}']);
    expect(lines[0].raw).toHaveLength(5000); // whole, never cut
    await spool.discard();
    expect(readdirSync(path.join(dir, '_quarantine'))).toEqual([]);
  });

  it('writes nothing when nothing was quarantined', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etl-spool-'));
    const spool = new QuarantineSpool(path.join(dir, 'q', 's.ndjson'), 's');
    expect(await spool.finish()).toBeUndefined();
    expect(existsSync(path.join(dir, 'q'))).toBe(false);
  });

  it('names input lines by the path the user gave and fails at the cap instead of cutting', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etl-spool-'));
    const spool = new QuarantineSpool(path.join(dir, 'q', 's.ndjson'), '/raw/processing/s.ndjson', {
      inputName: '/raw/ready/s.ndjson',
      limitBytes: 12_000,
    });
    spool.put(entry('/raw/processing/s.ndjson', 1));
    await spool.flush();
    spool.put(entry('/raw/processing/s.ndjson', 2)); // 2 × ~5 KB + this one: over 12 000 bytes
    spool.put(entry('/raw/processing/s.ndjson', 3));
    await expect(spool.flush()).rejects.toMatchObject({ code: 'E_QUARANTINE_FULL' });
    await expect(spool.finish()).rejects.toMatchObject({ code: 'E_QUARANTINE_FULL' });
    await spool.discard();
    const spool2 = new QuarantineSpool(path.join(dir, 'q', 't.ndjson'), '/raw/processing/t.ndjson', {
      inputName: '/raw/ready/t.ndjson',
    });
    spool2.put(entry('/raw/processing/t.ndjson', 4));
    const temp = await spool2.finish();
    expect(JSON.parse(readFileSync(temp!, 'utf8'))).toMatchObject({ file: '/raw/ready/t.ndjson', line: 4 });
  });
});
