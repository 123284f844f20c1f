import { MemoryQuarantine } from '@etl/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ScratchFiles } from './__fixtures__/reader-harness.js';
import { type ByteRange, NDJSONReader } from './ndjson-reader.js';
import type { NDJSONReaderOptions } from './options.js';
import { JsonLineDecoder, RawLine } from './raw-line.js';

const scratch = new ScratchFiles();
afterAll(() => scratch.remove());

interface Seen {
  line: number;
  value: unknown;
}

/** Every record and quarantined line of `ranges` read in turn, line numbers made file-wide. */
async function readRanges(
  path: string,
  ranges: readonly ByteRange[],
  options: NDJSONReaderOptions = { maxLineBytes: 200 },
) {
  const records: Seen[] = [];
  const rejected: { line: number; reason: string }[] = [];
  let base = 0;
  let bytesIn = 0;
  for (const range of ranges) {
    const quarantine = new MemoryQuarantine();
    const reader = new NDJSONReader({ ...options, quarantine });
    for await (const batch of reader.read(path, range)) {
      for (const r of batch) records.push({ line: base + r.line, value: r.value });
    }
    for (const q of quarantine.entries) rejected.push({ line: base + q.line, reason: q.reason });
    const stats = reader.stats();
    bytesIn += stats.bytesIn;
    // Every line is counted once: blank, or taken in (good, bad or too long).
    base += stats.recordsIn + (stats.counters.blank_lines ?? 0);
  }
  return { records, rejected, bytesIn };
}

const CONTENT = [
  '\uFEFF{"a":1}',
  '',
  '{"b":"é"}\r',
  '\uFEFF{"bom":"inside"}',
  '   ',
  '{"c":[1,2,3]}',
  'not json',
  `{"d":"${'x'.repeat(300)}"}`,
  '{"e":5}',
  '{"last":true}',
].join('\n');

describe('NDJSONReader byte ranges', () => {
  it('reads every line exactly once whatever the cut points (BOM, CRLF, blank, bad, no final LF)', async () => {
    const path = scratch.write(CONTENT);
    // maxLineBytes 200: the long line is quarantined whole, wherever a cut falls in it.
    const size = Buffer.byteLength(CONTENT);
    const whole = await readRanges(path, [{ start: 0, end: size }]);
    expect(whole.records.map((r) => r.line)).toEqual([1, 3, 6, 9, 10]);
    expect(whole.rejected.map((r) => r.line)).toEqual([4, 7, 8]);
    expect(whole.bytesIn).toBe(size);
    for (let cuts = 1; cuts <= 4; cuts++) {
      for (let trial = 0; trial < 40; trial++) {
        const points = Array.from({ length: cuts }, () => Math.floor(Math.random() * (size + 1))).sort(
          (a, b) => a - b,
        );
        const bounds = [0, ...points, size];
        const ranges = bounds.slice(1).map((end, i) => ({ start: bounds[i]!, end }));
        const split = await readRanges(path, ranges);
        expect(split.records, `cuts ${points}`).toEqual(whole.records);
        expect(split.rejected, `cuts ${points}`).toEqual(whole.rejected);
        expect(split.bytesIn).toBe(size);
      }
    }
  });

  it('hands on undecoded lines with rawLines, and JsonLineDecoder decodes them as the reader does', async () => {
    const path = scratch.write(Buffer.from('{"a":1}\n\xff\nnot json\n{"cut":', 'latin1'));
    const reader = new NDJSONReader({ rawLines: true });
    const values: RawLine[] = [];
    for await (const batch of reader.read(path)) for (const r of batch) values.push(r.value as RawLine);
    expect(values.every((v) => v instanceof RawLine)).toBe(true);
    expect(values.map((v) => v.terminated)).toEqual([true, true, true, false]);
    const decoder = new JsonLineDecoder();
    expect(decoder.decodeJson(values[0]!.bytes, true)).toEqual({ a: 1 });
    const outcomes = values.slice(1).map((v) => {
      expect(decoder.decodeJson(v.bytes, v.terminated)).toBeUndefined();
      return decoder.kind;
    });
    expect(outcomes).toEqual(['invalid_utf8', 'invalid_json', 'truncated_line']);
  });

  it('refuses a range of a compressed file', async () => {
    const path = scratch.write('{}\n', '.ndjson.gz');
    const reader = new NDJSONReader();
    await expect(async () => {
      for await (const _ of reader.read(path, { start: 0, end: 1 })) void _;
    }).rejects.toThrow(/byte range of a gzip file/);
  });
});
