import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryQuarantine, type SourceRecord, type Stats, TooManyErrorsError } from '@etl/core';
import { AdvancedTradeLineScanner } from '@etl/processors-coinbase';
import { NDJSONReader } from '@etl/readers-ndjson';
import { afterAll, describe, expect, it } from 'vitest';
import { ParallelSegmentReader } from './parallel-segment-reader.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../tooling/fixtures/coinbase');
const dir = mkdtempSync(path.join(tmpdir(), 'parallel-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Read {
  records: { line: number; bytes: number | undefined; value: unknown }[];
  batches: number[];
  quarantine: MemoryQuarantine;
  stats: Stats;
}

async function drain(
  reader: NDJSONReader | ParallelSegmentReader,
  file: string,
  quarantine: MemoryQuarantine,
) {
  const records: Read['records'] = [];
  const batches: number[] = [];
  for await (const batch of reader.read(file)) {
    batches.push(batch.length);
    for (const r of batch as SourceRecord[]) records.push({ line: r.line, bytes: r.bytes, value: r.value });
  }
  return { records, batches, quarantine, stats: reader.stats() };
}

function single(file: string, maxLineBytes: number): Promise<Read> {
  const quarantine = new MemoryQuarantine();
  const reader = new NDJSONReader({ lineParser: new AdvancedTradeLineScanner(), quarantine, maxLineBytes });
  return drain(reader, file, quarantine);
}

async function parallel(file: string, maxLineBytes: number, workers: number, chunkBytes: number) {
  const quarantine = new MemoryQuarantine();
  let digest: { sha256: string; bytes: number } | undefined;
  const reader = new ParallelSegmentReader({
    workers,
    chunkBytes,
    quarantine,
    maxLineBytes,
    onDigest: (sha256, bytes) => {
      digest = { sha256, bytes };
    },
  });
  return { ...(await drain(reader, file, quarantine)), digest };
}

/** A real capture with every kind of bad line mixed in, a BOM first and no final LF. */
function messyCapture(): Buffer {
  const lines = readFileSync(path.join(FIXTURES, 'segment_20260809T21_00001.ndjson'), 'utf8').split('\n');
  const out: Buffer[] = [Buffer.from('\uFEFF')];
  lines.forEach((line, i) => {
    out.push(Buffer.from(line));
    out.push(Buffer.from(i % 7 === 0 ? '\r\n' : '\n'));
    if (i % 97 === 5) out.push(Buffer.from('not json\n'));
    if (i % 89 === 3) out.push(Buffer.from('\n   \n'));
    if (i % 101 === 7) out.push(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d, 0x0a]));
    if (i % 113 === 9) out.push(Buffer.from(`{"long":"${'x'.repeat(3000)}"}\n`));
  });
  out.push(Buffer.from('{"channel":"l2_data","cut'));
  return Buffer.concat(out);
}

describe('ParallelSegmentReader', () => {
  it('yields exactly what the NDJSON reader yields: records, batches, quarantine, stats', async () => {
    const file = path.join(dir, 'messy.ndjson');
    const content = messyCapture();
    writeFileSync(file, content);
    const expected = await single(file, 2048);
    expect(expected.quarantine.entries.length).toBeGreaterThan(10);
    expect(new Set(expected.quarantine.entries.map((e) => e.reason.split(':')[0]))).toEqual(
      new Set(['invalid JSON', 'invalid UTF-8', 'line too long', 'truncated last line']),
    );
    for (const [workers, chunkBytes] of [
      [1, 64 * 1024],
      [2, 4096],
      [3, 1500],
    ] as const) {
      const got = await parallel(file, 2048, workers, chunkBytes);
      expect(got.records).toEqual(expected.records);
      expect(got.batches).toEqual(expected.batches);
      expect(got.quarantine.entries).toEqual(expected.quarantine.entries);
      expect(got.stats).toEqual(expected.stats);
      expect(got.digest).toEqual({
        sha256: createHash('sha256').update(content).digest('hex'),
        bytes: content.length,
      });
    }
  }, 120_000);

  it('reads an empty file as no records', async () => {
    const file = path.join(dir, 'empty.ndjson');
    writeFileSync(file, '');
    const got = await parallel(file, 2048, 2, 4096);
    expect(got.records).toEqual([]);
    expect(got.stats.recordsIn).toBe(0);
    expect(got.digest?.bytes).toBe(0);
  }, 60_000);

  it('fails naming the file when a range cannot be read (the file vanished mid-read)', async () => {
    const file = path.join(dir, 'vanishing.ndjson');
    writeFileSync(file, '{"a":1}\n'.repeat(100_000));
    const reader = new ParallelSegmentReader({ workers: 2, chunkBytes: 16 * 1024 });
    await expect(async () => {
      let first = true;
      for await (const _ of reader.read(file)) {
        if (first) rmSync(file);
        first = false;
      }
    }).rejects.toThrow(/vanishing\.ndjson/);
  }, 60_000);

  it('stops with TooManyErrorsError past maxErrors, as the NDJSON reader does', async () => {
    const file = path.join(dir, 'bad.ndjson');
    writeFileSync(file, 'x\n'.repeat(500));
    const reader = new ParallelSegmentReader({ workers: 2, chunkBytes: 100, maxErrors: 3 });
    await expect(async () => {
      for await (const _ of reader.read(file)) void _;
    }).rejects.toThrow(TooManyErrorsError);
  }, 60_000);
});
