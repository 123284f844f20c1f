import { describe, expect, it } from 'vitest';
import { LINE_HEAD_BYTES, LineSplitter } from './line-splitter.js';

interface SplitLine {
  line: number;
  text: string;
  bytes: number;
  tooLong: boolean;
  terminated: boolean;
}

function take(s: LineSplitter): SplitLine {
  return {
    line: s.line,
    text: s.buf.toString('utf8', s.start, s.end),
    bytes: s.bytes,
    tooLong: s.tooLong,
    terminated: s.terminated,
  };
}

/** Runs the splitter over `input` cut into chunks of the given sizes (cycled). */
function split(input: Buffer, chunkSizes: readonly number[], maxLineBytes = 1 << 20): SplitLine[] {
  const s = new LineSplitter(maxLineBytes);
  const out: SplitLine[] = [];
  let at = 0;
  let i = 0;
  while (at < input.length) {
    const size = chunkSizes[i++ % chunkSizes.length]!;
    // Copy, as a file read would: the splitter must not depend on chunks sharing memory.
    s.push(Buffer.from(input.subarray(at, at + size)));
    at += size;
    while (s.next()) out.push(take(s));
  }
  if (s.finish()) out.push(take(s));
  return out;
}

/** Straightforward reference: split on LF, drop one trailing CR, strip a leading BOM. */
function reference(input: Buffer): SplitLine[] {
  let text = input.toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const parts = text.split('\n');
  const last = parts.pop()!;
  const lines = parts.map((p) => ({ p, terminated: true }));
  if (last !== '') lines.push({ p: last, terminated: false });
  return lines.map(({ p, terminated }, i) => {
    const t = p.endsWith('\r') ? p.slice(0, -1) : p;
    return { line: i + 1, text: t, bytes: Buffer.byteLength(t), tooLong: false, terminated };
  });
}

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIXED = Buffer.from(
  '\uFEFF{"a":"é"}\r\n\r\n  \n{"b":"€ 𝄞"}\n{"c":1}\r\n\r\r\n{"d":"\u00fc\u4e2d"}\n{"tail":true}\r',
  'utf8',
);

describe('LineSplitter', () => {
  it('splits lines, strips CR and a leading BOM, and numbers physical lines', () => {
    const lines = split(MIXED, [MIXED.length]);
    expect(lines.map((l) => l.text)).toEqual([
      '{"a":"é"}',
      '',
      '  ',
      '{"b":"€ 𝄞"}',
      '{"c":1}',
      '\r',
      '{"d":"ü中"}',
      '{"tail":true}',
    ]);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lines[0]!.bytes).toBe(10);
    expect(lines[3]!.bytes).toBe(Buffer.byteLength('{"b":"€ 𝄞"}'));
    expect(lines.at(-1)!.terminated).toBe(false);
    expect(lines.slice(0, -1).every((l) => l.terminated)).toBe(true);
    expect(lines).toEqual(reference(MIXED));
  });

  it('gives the same lines for every chunking, including cuts inside characters, BOM and CRLF', () => {
    const expected = reference(MIXED);
    for (let size = 1; size <= MIXED.length; size++) {
      expect(split(MIXED, [size]), `chunk size ${size}`).toEqual(expected);
    }
    const random = prng(42);
    for (let round = 0; round < 200; round++) {
      const sizes = Array.from({ length: 8 }, () => 1 + Math.floor(random() * 9));
      expect(split(MIXED, sizes), `chunk sizes ${sizes.join(',')}`).toEqual(expected);
    }
  });

  it('keeps a partial BOM that turns out not to be one', () => {
    const input = Buffer.from([0xef, 0xbb, 0x41, 0x0a, 0x42]);
    for (const size of [1, 2, 5]) {
      const lines = split(input, [size]);
      expect(lines).toHaveLength(2);
      expect(lines[0]!.bytes).toBe(3);
      expect(lines[1]!.text).toBe('B');
    }
    // Input shorter than a BOM that looks like its beginning is content.
    const short = split(Buffer.from([0xef, 0xbb]), [1]);
    expect(short).toHaveLength(1);
    expect(short[0]!.bytes).toBe(2);
    expect(short[0]!.terminated).toBe(false);
  });

  it('strips only the BOM at the very start of input', () => {
    const input = Buffer.from('\uFEFFa\n\uFEFFb\n', 'utf8');
    const lines = split(input, [2]);
    expect(lines.map((l) => l.bytes)).toEqual([1, 4]);
    expect(lines[1]!.text).toBe('\uFEFFb');
  });

  it('reports nothing for empty input and an empty line for a lone LF', () => {
    expect(split(Buffer.alloc(0), [1])).toEqual([]);
    expect(split(Buffer.from('\n'), [1])).toEqual([
      { line: 1, text: '', bytes: 0, tooLong: false, terminated: true },
    ]);
  });

  it('marks lines over the limit without buffering them and resumes at the next line', () => {
    const long = 'x'.repeat(10_000);
    const input = Buffer.from(`short\n${long}\r\nok\n${long}`, 'utf8');
    for (const sizes of [[input.length], [7], [1, 3, 64], [5000]]) {
      const lines = split(input, sizes, 100);
      expect(lines.map((l) => [l.line, l.bytes, l.tooLong, l.terminated])).toEqual([
        [1, 5, false, true],
        [2, 10_000, true, true],
        [3, 2, false, true],
        [4, 10_000, true, false],
      ]);
      expect(lines[1]!.text).toBe('x'.repeat(LINE_HEAD_BYTES));
      expect(lines[2]!.text).toBe('ok');
    }
  });

  it('accepts a line of exactly the limit, with or without CR, and rejects one byte more', () => {
    const at = 'y'.repeat(16);
    const input = Buffer.from(`${at}\n${at}\r\n${at}z\r\n${at}\r`, 'utf8');
    for (const size of [1, 2, 17, 18, 19, input.length]) {
      const lines = split(input, [size], 16);
      expect(
        lines.map((l) => [l.bytes, l.tooLong]),
        `chunk size ${size}`,
      ).toEqual([
        [16, false],
        [16, false],
        [17, true],
        [16, false],
      ]);
    }
  });

  it('carries a long line across many chunks with one join', () => {
    const big = `{"k":"${'v'.repeat(300_000)}"}`;
    const input = Buffer.from(`${big}\n{"n":2}\n`, 'utf8');
    const lines = split(input, [4096, 1, 65536]);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.text).toBe(big);
    expect(lines[0]!.bytes).toBe(big.length);
    expect(lines[1]!.text).toBe('{"n":2}');
  });
});
