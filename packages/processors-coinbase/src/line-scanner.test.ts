import { MemoryQuarantine, parseTimestampNs, type Row, type SourceRecord } from '@etl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixtureLines, SEGMENT } from './__fixtures__/fixture-records.js';
import { AdvancedTradeLineScanner } from './line-scanner.js';
import { parseDecimalOrNaN } from './number.js';
import { RawParser } from './raw-parser.js';
import { ScannedLevel2Frame } from './scanned-frames.js';

const FIXTURES = [
  SEGMENT,
  'advanced-l2_data-BTC-USD.ndjson',
  'advanced-market_trades-BTC-USD.ndjson',
  'advanced-ticker-BTC-USD.ndjson',
  'advanced-candles-BTC-USD.ndjson',
  'advanced-heartbeats-subscriptions.ndjson',
];

/** Scans `line` the way the reader offers it: its bytes inside a bigger buffer, without the LF. */
function scan(scanner: AdvancedTradeLineScanner, line: string): ScannedLevel2Frame | undefined {
  const bytes = Buffer.from(`\n${line}\n`);
  return scanner.parse(bytes, 1, bytes.length - 1);
}

/** Scans `line` the way the reader offers it after buffer reuse: in the same buffer as every line. */
function scanInShared(
  scanner: AdvancedTradeLineScanner,
  shared: Buffer,
  line: string,
): ScannedLevel2Frame | undefined {
  shared.fill(0x20);
  const n = shared.write(line, 7, 'utf8');
  return scanner.parse(shared, 7, 7 + n);
}

interface PathResult {
  rows: Row[];
  quarantine: MemoryQuarantine;
  parser: RawParser;
  /** Lines the reader would quarantine as invalid JSON. */
  invalid: number[];
  scanned: number;
}

/**
 * Runs `lines` through a RawParser the way the NDJSON reader feeds it: the plain path parses every
 * line with JSON.parse; the fast path first offers it to the scanner. Lines JSON.parse refuses
 * never reach the parser on either path.
 */
function run(lines: readonly string[], fast: boolean, batch = 50): PathResult {
  const quarantine = new MemoryQuarantine();
  const parser = new RawParser({ source: 'coinbase', quarantine });
  const scanner = new AdvancedTradeLineScanner();
  const rows: Row[] = [];
  const invalid: number[] = [];
  let scanned = 0;
  let records: SourceRecord[] = [];
  lines.forEach((text, i) => {
    let value: unknown = fast ? scan(scanner, text) : undefined;
    if (value !== undefined) scanned++;
    else {
      try {
        value = JSON.parse(text);
      } catch {
        invalid.push(i + 1);
        return;
      }
    }
    records.push({ file: 'seg.ndjson', line: i + 1, bytes: text.length + 1, value });
    if (records.length === batch) {
      rows.push(...parser.process(records));
      records = [];
    }
  });
  rows.push(...parser.process(records));
  return { rows, quarantine, parser, invalid, scanned };
}

function expectSamePaths(lines: readonly string[]): { scanned: number; rows: number } {
  const plain = run(lines, false);
  const fast = run(lines, true);
  expect(fast.invalid).toEqual(plain.invalid);
  expect(fast.rows).toEqual(plain.rows);
  // Same objects field by field, in the same key order (quarantined rows are JSON-stringified).
  for (let i = 0; i < plain.rows.length; i++) {
    expect(Object.keys(fast.rows[i]!)).toEqual(Object.keys(plain.rows[i]!));
  }
  expect(fast.quarantine.entries).toEqual(plain.quarantine.entries);
  expect(fast.parser.stats()).toEqual(plain.parser.stats());
  return { scanned: fast.scanned, rows: plain.rows.length };
}

/** Small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE = [
  '"',
  '\\',
  ' ',
  '\t',
  '\u0001',
  '-',
  '+',
  'e',
  'E',
  '.',
  '0',
  '9',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'x',
  'é',
  'Z',
];
const SWAPS: [string, string][] = [
  ['"bid"', '"ask"'],
  ['"offer"', '"BID"'],
  ['"update"', '"snapshot"'],
  ['"snapshot"', '"upd"'],
  ['"sequence_num":', '"sequence_num":-'],
  ['"sequence_num":', '"sequence_num":0'],
  ['"sequence_num":', '"sequence_num":"'],
  ['"price_level":"', '"price_level":"-'],
  ['"price_level":"', '"price_level":"1e5'],
  ['"new_quantity":"', '"new_quantity":"00'],
  ['"new_quantity":"', '"new_quantity":"9999999999999999999999'],
  ['"price_level":"', `"price_level":"${'9'.repeat(400)}`],
  ['"new_quantity":"', '"new_quantity":".'],
  ['"event_time":"2026', '"event_time":"1970'],
  ['"event_time":"2026', '"event_time":"2026-13'],
  ['"event_time":"', '"event_time":null,"x":"'],
  ['"timestamp":"2026', '"timestamp":"1969'],
  ['"timestamp":"2026-08-09', '"timestamp":"2026-02-30'],
  ['"capture_ts":"2026', '"capture_ts":"20x6'],
  ['"capture_ts":"', '"capture_ts":null,"y":"'],
  ['"product_id":"', '"product_id":"\\u0041'],
  ['"product_id":"', '"product_id":"'],
  ['"product_id":"BTC-USD"', '"product_id":""'],
  ['"channel":"l2_data"', '"channel":"l2_data","client_id":"abc"'],
  ['"channel":"l2_data"', '"channel":"l2_data","client_id":7'],
  ['"channel":"l2_data"', '"channel":"l2_data","channel":"ticker"'],
  ['"updates":[', '"updates":[]],"x":[['],
  ['"events":[', '"events":[]'],
  ['"metadata":{"source":"coinbase"', '"metadata":{"source":"coin\\"base"'],
  ['"metadata":{', '"metadata":{"a":1,'],
  ['}]}]}', '}]}, {"type":"update","product_id":"ETH-USD","updates":[]}]}'],
  ['{"side":"bid"', '{"event_time":"2026-08-09T21:05:48Z","side":"bid"'],
];

/** One random edit of `line`: a character deleted, inserted or replaced, or a known token swapped. */
function mutate(line: string, next: () => number): string {
  const at = Math.floor(next() * line.length);
  const pick = next();
  if (pick < 0.2) return line.slice(0, at) + line.slice(at + 1);
  if (pick < 0.4) return line.slice(0, at) + NOISE[Math.floor(next() * NOISE.length)] + line.slice(at);
  if (pick < 0.55) return line.slice(0, at) + NOISE[Math.floor(next() * NOISE.length)] + line.slice(at + 1);
  if (pick < 0.6) return `${line} `;
  const [from, to] = SWAPS[Math.floor(next() * SWAPS.length)]!;
  const found = line.indexOf(from, Math.floor(next() * line.length * 0.5));
  const where = found >= 0 ? found : line.indexOf(from);
  return where < 0 ? line : line.slice(0, where) + to + line.slice(where + from.length);
}

describe('AdvancedTradeLineScanner (fast path) against JSON.parse (plain path)', () => {
  let segment: string[];
  let level2: string[];

  beforeAll(async () => {
    segment = await readFixtureLines(SEGMENT);
    level2 = await readFixtureLines('advanced-l2_data-BTC-USD.ndjson');
  });

  it('recognises every l2_data line of the real captures and nothing else', () => {
    const scanner = new AdvancedTradeLineScanner();
    for (const line of segment) {
      const frame = scan(scanner, line);
      expect(frame !== undefined).toBe(JSON.parse(line).data.channel === 'l2_data');
    }
    // Bare frames (no envelope) too, the 5 MB full-depth snapshot included.
    for (const line of level2) expect(scan(scanner, line)).toBeInstanceOf(ScannedLevel2Frame);
  });

  it('reads the same values JSON.parse does', () => {
    const scanner = new AdvancedTradeLineScanner();
    const line = segment.find((l) => l.includes('"type":"update"') && l.includes('l2_data'))!;
    const frame = scan(scanner, line)!;
    const json = JSON.parse(line);
    expect(frame.captureTimestamp).toBe(parseTimestampNs(json.capture_ts));
    expect(frame.server.ns).toBe(parseTimestampNs(json.data.timestamp));
    expect([frame.server.date, frame.server.hour]).toEqual(['2026-08-09', '21']);
    expect(frame.sequenceNum).toBe(json.data.sequence_num);
    expect(frame.clientId).toBeNull();
    expect(frame.events).toHaveLength(json.data.events.length);
    const event = json.data.events[0];
    expect(frame.events[0]!.productId).toBe(event.product_id);
    expect(frame.events[0]!.sides).toEqual(event.updates.map((u: Record<string, string>) => u.side));
    expect(frame.events[0]!.times.map((t) => t.ns)).toEqual(
      event.updates.map((u: { event_time: string }) => parseTimestampNs(u.event_time)),
    );
    expect(frame.events[0]!.values).toEqual(
      event.updates.flatMap((u: Record<string, string>) => [Number(u.price_level), Number(u.new_quantity)]),
    );
  });

  it.each(FIXTURES)('gives deep-equal rows, quarantine and stats on %s', async (name) => {
    const lines = await readFixtureLines(name);
    const { scanned, rows } = expectSamePaths(lines);
    if (name.includes('l2_data') || name === SEGMENT) expect(scanned).toBeGreaterThan(0);
    expect(rows).toBeGreaterThan(0);
  });

  it('gives the same rows and quarantine entries on 4,000 mutated lines', () => {
    const next = random(20260809);
    const sources = segment.filter((l) => l.includes('"channel":"l2_data"') && l.length < 20_000);
    sources.push(...level2.slice(1, 200));
    const mutated: string[] = [];
    for (let i = 0; i < 4000; i++) {
      let line = sources[Math.floor(next() * sources.length)]!;
      const edits = 1 + Math.floor(next() * 2);
      for (let k = 0; k < edits; k++) line = mutate(line, next);
      mutated.push(line);
    }
    // Interleave the originals so caches (timestamps, product ids) see realistic sequences.
    const lines = mutated.flatMap((line, i) => (i % 4 === 0 ? [sources[i % sources.length]!, line] : [line]));
    const scanner = new AdvancedTradeLineScanner();
    let accepted = 0;
    for (const line of lines) {
      const frame = scan(scanner, line);
      if (frame === undefined) continue;
      accepted++;
      // Never accepts what JSON.parse refuses.
      expect(() => JSON.parse(line)).not.toThrow();
    }
    expect(accepted).toBeGreaterThan(1000);
    const plain = run(lines, false);
    expect(plain.quarantine.entries.length).toBeGreaterThan(50);
    expect(plain.invalid.length).toBeGreaterThan(500);
    expectSamePaths(lines);
  });

  it('keeps nothing that points into the line’s buffer (the reader reuses it)', () => {
    const lines = [...segment, ...level2.slice(1, 100)].filter(
      (l) => l.includes('"channel":"l2_data"') && l.length < 60_000,
    );
    // Interleave products, so cached product ids and timestamps are compared after reuse.
    const other = lines.map((l) => l.replaceAll('"BTC-USD"', '"ETH-USD"'));
    const mixed = lines.flatMap((l, i) => [l, other[i]!]);
    const shared = Buffer.alloc(70_000);
    const reused = new AdvancedTradeLineScanner();
    const fresh = new AdvancedTradeLineScanner();
    for (const line of mixed) expect(scanInShared(reused, shared, line)).toEqual(scan(fresh, line));
  });

  it('leaves a non-zero decimal that underflows to 0 to the strict parser, which refuses it', () => {
    const scanner = new AdvancedTradeLineScanner();
    const lineWith = (d: string) =>
      `{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026-08-09T21:05:48.170326Z","price_level":"65000.5","new_quantity":"${d}"}]}]}`;
    const tiny = `0.${'0'.repeat(400)}1`;
    expect(Number(tiny)).toBe(0);
    expect(scan(scanner, lineWith(tiny))).toBeUndefined();
    expect(Number.isNaN(parseDecimalOrNaN(tiny))).toBe(true);
    // A long zero is still zero on both paths.
    const zero = `0.${'0'.repeat(400)}`;
    expect(scan(scanner, lineWith(zero))?.events[0]?.values[1]).toBe(0);
    expect(parseDecimalOrNaN(zero)).toBe(0);
  });

  it('turns decimal strings into exactly the numbers Number() makes', () => {
    const next = random(7);
    const scanner = new AdvancedTradeLineScanner();
    const decimals: string[] = [
      '0',
      '0.0',
      '007',
      '0.1',
      '0.30000000000000004',
      '9007199254740993',
      '1.7976931348623157',
      '123456789012345',
      '1234567890123456',
      '0.000000000000001',
      '99999999999999.99',
    ];
    for (let i = 0; i < 20_000; i++) {
      const intDigits = 1 + Math.floor(next() * 10);
      const fracDigits = Math.floor(next() * 12);
      let s = '';
      for (let k = 0; k < intDigits; k++) s += Math.floor(next() * 10);
      if (fracDigits > 0) {
        s += '.';
        for (let k = 0; k < fracDigits; k++) s += Math.floor(next() * 10);
      }
      decimals.push(s);
    }
    for (const d of decimals) {
      const line = `{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026-08-09T21:05:48.170326Z","price_level":"${d}","new_quantity":"${d}"}]}]}`;
      const frame = scan(scanner, line);
      expect(frame?.events[0]?.values[0]).toBe(Number(d));
      expect(Object.is(frame?.events[0]?.values[1], Number(d))).toBe(true);
    }
  });
});
