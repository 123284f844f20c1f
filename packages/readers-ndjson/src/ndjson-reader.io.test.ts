import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError, EtlError, InputError, MemoryLogger } from '@etl/core';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, lineValues, readAll, ScratchFiles, zstdRawFrame } from './__fixtures__/reader-harness.js';
import { NDJSONReader } from './ndjson-reader.js';
import type { NDJSONReaderOptions } from './options.js';

const scratch = new ScratchFiles();
afterAll(() => scratch.remove());
const file = (content: string | Buffer, suffix?: string): string => scratch.write(content, suffix);

describe('NDJSONReader compression and failures', () => {
  const content = '{"a":1}\r\n\n{"b":"é"}\n{"c":[1,2,3]}\n';
  const expected = [
    [1, { a: 1 }],
    [3, { b: 'é' }],
    [4, { c: [1, 2, 3] }],
  ];

  it('chooses gzip by extension and decodes tiny chunks', async () => {
    const path = file(gzipSync(Buffer.from(content)), '.ndjson.gz');
    for (const highWaterMark of [1, 5, 1 << 20]) {
      expect(lineValues((await readAll(path, { highWaterMark })).records)).toEqual(expected);
    }
  });

  it('shows onFileChunk the file bytes as read from disk, before decompression', async () => {
    const gz = gzipSync(Buffer.from(content));
    const path = file(gz, '.ndjson.gz');
    for (const highWaterMark of [3, 1 << 20]) {
      const seen: Buffer[] = [];
      // Copied: the reader reuses a chunk's memory after the call.
      const { records } = await readAll(path, {
        highWaterMark,
        onFileChunk: (c) => seen.push(Buffer.from(c)),
      });
      expect(lineValues(records)).toEqual(expected);
      expect(Buffer.concat(seen).equals(gz)).toBe(true);
    }
  });

  it('reads a multi-member gzip file', async () => {
    const path = file(
      Buffer.concat([gzipSync(Buffer.from('{"a":1}\n')), gzipSync(Buffer.from('{"a":2}\n'))]),
      '.ndjson.gz',
    );
    expect(lineValues((await readAll(path)).records)).toEqual([
      [1, { a: 1 }],
      [2, { a: 2 }],
    ]);
  });

  it('chooses zstd by extension: frames of stored blocks, several frames, tiny chunks', async () => {
    const big = `${Array.from({ length: 4000 }, (_, i) => `{"i":${i},"pad":"${'p'.repeat(40)}"}`).join('\n')}\n`;
    const path = file(
      Buffer.concat([zstdRawFrame(Buffer.from(content)), zstdRawFrame(Buffer.from(big))]),
      '.zst',
    );
    for (const highWaterMark of [64, 4096, 1 << 20]) {
      const { records, stats } = await readAll(path, { highWaterMark });
      expect(records).toHaveLength(4003);
      expect(lineValues(records.slice(0, 3))).toEqual(expected);
      // The second frame's lines continue the numbering of the first.
      expect(records[3]).toMatchObject({ line: 5, value: { i: 0 } });
      expect(records.at(-1)).toMatchObject({ line: 4004, value: { i: 3999 } });
      expect(stats.counters.compressed_bytes).toBeGreaterThan(big.length);
    }
  });

  it('decodes zstd fed a byte or two at a time, frame headers and block headers split', async () => {
    const path = file(
      Buffer.concat([zstdRawFrame(Buffer.from(content)), zstdRawFrame(Buffer.from(content))]),
      '.zst',
    );
    for (const highWaterMark of [1, 2, 3]) {
      const { records } = await readAll(path, { highWaterMark });
      expect(lineValues(records)).toEqual([
        ...expected,
        ...expected.map(([line, v]) => [(line as number) + 4, v]),
      ]);
    }
  });

  it('reads an empty compressed file as empty', async () => {
    expect((await readAll(file(gzipSync(Buffer.alloc(0)), '.gz'))).batches).toEqual([]);
    expect((await readAll(file(zstdRawFrame(Buffer.alloc(0)), '.zst'))).batches).toEqual([]);
  });

  it('throws naming the file and line 1 for data that is not gzip or zstd', async () => {
    for (const suffix of ['.ndjson.gz', '.ndjson.zst']) {
      const path = file('{"plain":"text, not compressed"}\n', suffix);
      const error = await caught(readAll(path));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).file).toBe(path);
      expect((error as InputError).line).toBe(1);
      expect((error as Error).message).toMatch(/^.*:1: corrupt (gzip|zstd) stream: /);
    }
  });

  it('throws naming the path for a missing file or a directory', async () => {
    const missing = join(scratch.dir, 'no-such-segment.ndjson');
    const error = await caught(readAll(missing));
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toBe('E_READ');
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain('ENOENT');

    const directory = scratch.directory('a-directory.ndjson.gz');
    const dirError = await caught(readAll(directory));
    expect((dirError as EtlError).code).toBe('E_READ');
    expect((dirError as Error).message).toContain(directory);
    expect((dirError as Error).message).toContain('EISDIR');
  });

  it('stops cleanly when the consumer stops early, and can read again', async () => {
    const lines = `${Array.from({ length: 5000 }, (_, i) => `{"i":${i}}`).join('\n')}\n`;
    for (const [suffix, data] of [
      ['.ndjson', Buffer.from(lines)],
      ['.ndjson.gz', gzipSync(lines)],
      ['.ndjson.zst', zstdRawFrame(Buffer.from(lines))],
    ] as const) {
      const path = file(data, suffix);
      const reader = new NDJSONReader({ batchSize: 10, highWaterMark: 256 });
      for await (const batch of reader.read(path)) {
        expect(batch[0]!.value).toEqual({ i: 0 });
        break;
      }
      let count = 0;
      for await (const batch of reader.read(path)) count += batch.length;
      expect(count).toBe(5000);
      expect(reader.stats().counters.files).toBe(2);
    }
  });
});

describe('NDJSONReader stats and options', () => {
  it('adds up: records in = out + errors, bytes in = line bytes, counters per reason', async () => {
    const content = Buffer.concat([
      Buffer.from('\uFEFF{"a":1}\r\n\n{"a":2}\nbad json\n', 'utf8'),
      Buffer.from([0xff, 0x0a]),
      Buffer.from(`${'y'.repeat(64)}\n   \n{"a":3}\n{"a":`, 'utf8'),
    ]);
    const path = file(content);
    const { records, quarantine, stats } = await readAll(path, { maxLineBytes: 32 });
    expect(records.map((r) => r.line)).toEqual([1, 3, 8]);
    expect(stats).toEqual({
      name: 'ndjson-reader',
      recordsIn: 7,
      recordsOut: 3,
      errors: 4,
      bytesIn: content.length /* BOM, CR and LF bytes included */,
      bytesOut: 0,
      counters: {
        files: 1,
        blank_lines: 2,
        invalid_json: 1,
        truncated_line: 1,
        line_too_long: 1,
        invalid_utf8: 1,
      },
    });
    expect(stats.recordsIn).toBe(stats.recordsOut + stats.errors);
    expect(quarantine).toHaveLength(stats.errors);
    expect(records.reduce((n, r) => n + r.bytes, 0)).toBe(21);
  });

  it('accumulates stats over every read', async () => {
    const reader = new NDJSONReader();
    const path = file('{"a":1}\n{"a":2}\n');
    for (let i = 0; i < 3; i++) for await (const _ of reader.read(path));
    expect(reader.stats()).toMatchObject({
      recordsIn: 6,
      recordsOut: 6,
      bytesIn: 48,
      counters: { files: 3 },
    });
  });

  it('logs each bad line with its file and line through the given logger', async () => {
    const logger = new MemoryLogger();
    const path = file('{"a":1}\n{oops\n');
    await readAll(path, { logger });
    const warn = logger.records.find((r) => r.level === 'warn');
    expect(warn?.message).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid JSON: `),
    );
    expect(warn?.fields).toMatchObject({ file: path, line: 2 });
  });

  it('rejects bad options naming the option', () => {
    const bad: [NDJSONReaderOptions, string][] = [
      [{ batchSize: 0 }, 'batchSize'],
      [{ batchSize: 1.5 }, 'batchSize'],
      [{ maxLineBytes: -1 }, 'maxLineBytes'],
      [{ highWaterMark: 0 }, 'highWaterMark'],
      [{ maxErrors: -1 }, 'maxErrors'],
      [{ maxErrors: Number.NaN }, 'maxErrors'],
      [{ decode: 'csv' as 'json' }, 'decode'],
    ];
    for (const [options, key] of bad) {
      expect(() => new NDJSONReader(options)).toThrow(ConfigError);
      try {
        new NDJSONReader(options);
      } catch (error) {
        expect((error as ConfigError).key).toBe(key);
      }
    }
    expect(
      () => new NDJSONReader({ maxErrors: Number.POSITIVE_INFINITY, maxLineBytes: 10 * 1024 * 1024 }),
    ).not.toThrow();
  });
});
