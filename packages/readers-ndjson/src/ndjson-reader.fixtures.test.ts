import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { InputError, MemoryQuarantine, type SourceRecord } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NDJSONReader } from './ndjson-reader.js';

const FIXTURES = fileURLToPath(new URL('../../../tooling/fixtures/coinbase/', import.meta.url));
const SEGMENT = 'segment_20260809T21_00001.ndjson';
const L2 = 'advanced-l2_data-BTC-USD.ndjson';

/** Line counts from the fixture README's tables. */
const FIXTURE_LINES: Record<string, number> = {
  [L2]: 400,
  'advanced-market_trades-BTC-USD.ndjson': 40,
  'advanced-ticker-BTC-USD.ndjson': 73,
  'advanced-candles-BTC-USD.ndjson': 3,
  'advanced-heartbeats-subscriptions.ndjson': 30,
  'exchange-session-level2-ticker-matches-2021-04-17.ndjson': 9946,
  [SEGMENT]: 546,
};

async function readAll(reader: NDJSONReader, path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const batch of reader.read(path)) out.push(...batch);
  return out;
}

/** What a record should be, derived independently from the whole file. */
function expectedRecords(path: string): { line: number; bytes: number; value: unknown }[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((text, i) => ({ line: i + 1, bytes: Buffer.byteLength(text), value: JSON.parse(text) }));
}

const strip = (records: readonly SourceRecord[]) =>
  records.map(({ line, bytes, value }) => ({ line, bytes, value }));

function hasZstdCli(): boolean {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ndjson-fixtures-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('NDJSONReader on the real captures', () => {
  for (const [name, count] of Object.entries(FIXTURE_LINES)) {
    it(`reads every line of ${name} (${count})`, async () => {
      const path = join(FIXTURES, name);
      const quarantine = new MemoryQuarantine();
      const reader = new NDJSONReader({ quarantine });
      const records = await readAll(reader, path);
      expect(records).toHaveLength(count);
      expect(records.every((r) => r.file === path)).toBe(true);
      expect(strip(records)).toEqual(expectedRecords(path));
      expect(quarantine.entries).toEqual([]);
      const stats = reader.stats();
      expect(stats.recordsIn).toBe(count);
      expect(stats.recordsOut).toBe(count);
      expect(stats.errors).toBe(0);
      // Lines and their LFs: bytes_in is the file's size.
      expect(stats.bytesIn).toBe(readFileSync(path).length);
      expect(stats.counters.files).toBe(1);
      expect(stats.counters.blank_lines).toBe(0);
    });
  }

  it('carries the 5 MB full-depth snapshot frame whole', async () => {
    const records = await readAll(new NDJSONReader(), join(FIXTURES, L2));
    const first = records[0]!;
    expect(first.line).toBe(1);
    expect(first.bytes).toBe(5_079_379);
    const frame = first.value as {
      channel: string;
      events: { type: string; updates: { side: string }[] }[];
    };
    expect(frame.channel).toBe('l2_data');
    expect(frame.events[0]!.type).toBe('snapshot');
    const updates = frame.events[0]!.updates;
    expect(updates.filter((u) => u.side === 'bid')).toHaveLength(18_764);
    expect(updates.filter((u) => u.side === 'offer')).toHaveLength(27_236);
  });

  it('batches the segment in full batches of batchSize and a rest', async () => {
    const reader = new NDJSONReader({ batchSize: 100 });
    const sizes: number[] = [];
    for await (const batch of reader.read(join(FIXTURES, SEGMENT))) sizes.push(batch.length);
    expect(sizes).toEqual([100, 100, 100, 100, 100, 46]);
  });
});

describe('NDJSONReader on compressed segments', () => {
  const plainPath = join(FIXTURES, SEGMENT);

  it('reads the gzipped segment into the same records, and counts compressed bytes', async () => {
    const gz = join(dir, `${SEGMENT}.gz`);
    const compressed = gzipSync(readFileSync(plainPath));
    writeFileSync(gz, compressed);
    const plain = strip(await readAll(new NDJSONReader(), plainPath));
    for (const highWaterMark of [1 << 20, 4096, 777]) {
      const reader = new NDJSONReader({ highWaterMark });
      const records = await readAll(reader, gz);
      expect(records).toHaveLength(546);
      expect(records[0]!.file).toBe(gz);
      expect(strip(records)).toEqual(plain);
      expect(reader.stats().counters.compressed_bytes).toBe(compressed.length);
      expect(reader.stats().bytesIn).toBe(readFileSync(plainPath).length);
    }
  });

  it.runIf(hasZstdCli())('reads the zstd-compressed segment (zstd CLI) into the same records', async () => {
    const zst = join(dir, `${SEGMENT}.zst`);
    execFileSync('zstd', ['-q', '-f', '-3', plainPath, '-o', zst]);
    const plain = strip(await readAll(new NDJSONReader(), plainPath));
    for (const highWaterMark of [1 << 20, 4096, 777]) {
      const reader = new NDJSONReader({ highWaterMark });
      const records = await readAll(reader, zst);
      expect(strip(records)).toEqual(plain);
      expect(reader.stats().counters.compressed_bytes).toBe(readFileSync(zst).length);
    }
  });

  it.runIf(hasZstdCli())('reads a zstd file of several frames (concatenated .zst files)', async () => {
    const lines = readFileSync(plainPath, 'utf8').split('\n');
    const firstHalf = join(dir, 'a.ndjson');
    const secondHalf = join(dir, 'b.ndjson');
    writeFileSync(firstHalf, `${lines.slice(0, 300).join('\n')}\n`);
    writeFileSync(secondHalf, lines.slice(300).join('\n'));
    execFileSync('zstd', ['-q', '-f', firstHalf, '-o', `${firstHalf}.zst`]);
    execFileSync('zstd', ['-q', '-f', '--no-check', secondHalf, '-o', `${secondHalf}.zst`]);
    const both = join(dir, 'both.ndjson.zst');
    writeFileSync(both, Buffer.concat([readFileSync(`${firstHalf}.zst`), readFileSync(`${secondHalf}.zst`)]));
    const records = await readAll(new NDJSONReader({ highWaterMark: 65536 }), both);
    expect(strip(records)).toEqual(strip(await readAll(new NDJSONReader(), plainPath)));
  });

  it('throws naming the file and the line reached when a gzip stream is cut short', async () => {
    const gz = join(dir, 'cut.ndjson.gz');
    const compressed = gzipSync(readFileSync(plainPath));
    writeFileSync(gz, compressed.subarray(0, Math.floor(compressed.length * 0.6)));
    const reader = new NDJSONReader({ batchSize: 1, highWaterMark: 65536 });
    let lastLine = 0;
    const error = await (async () => {
      try {
        for await (const batch of reader.read(gz)) lastLine = batch[0]!.line;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.file).toBe(gz);
    // batchSize 1 hands on every complete line at once, so the line reached is the next one.
    expect(lastLine).toBeGreaterThan(1);
    expect(e.line).toBe(lastLine + 1);
    expect(e.message).toContain(gz);
    expect(e.message).toContain('corrupt gzip stream');
    expect(e.message).toContain('unexpected end of file');
  });

  it.runIf(hasZstdCli())(
    'throws naming the file and the line reached when a zstd stream is cut short',
    async () => {
      const zst = join(dir, 'cut.ndjson.zst');
      execFileSync('zstd', ['-q', '-f', plainPath, '-o', `${zst}.full`]);
      const full = readFileSync(`${zst}.full`);
      writeFileSync(zst, full.subarray(0, Math.floor(full.length * 0.6)));
      let lastLine = 0;
      const error = await (async () => {
        try {
          for await (const batch of new NDJSONReader({ batchSize: 1 }).read(zst)) lastLine = batch[0]!.line;
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(InputError);
      const e = error as InputError;
      expect(e.file).toBe(zst);
      expect(lastLine).toBeGreaterThan(1);
      expect(e.line).toBe(lastLine + 1);
      expect(e.message).toContain('corrupt zstd stream');
    },
  );
});
