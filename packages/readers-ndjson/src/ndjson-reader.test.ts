import { MemoryLogger, MemoryQuarantine, TooManyErrorsError } from '@etl/core';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, lineValues, readAll, ScratchFiles } from './__fixtures__/reader-harness.js';
import { NDJSONReader } from './ndjson-reader.js';

const scratch = new ScratchFiles();
afterAll(() => scratch.remove());
const file = (content: string | Buffer, suffix?: string): string => scratch.write(content, suffix);

describe('NDJSONReader line handling', () => {
  it("reads CRLF lines like LF lines, without the CR in a record's bytes (bytes_in counts it)", async () => {
    const { records, stats } = await readAll(file('{"a":1}\r\n{"a":"two"}\r\n'));
    expect(records.map((r) => [r.line, r.bytes, r.value])).toEqual([
      [1, 7, { a: 1 }],
      [2, 11, { a: 'two' }],
    ]);
    expect(stats.bytesIn).toBe(22);
  });

  it('strips a UTF-8 BOM at the start of the file only', async () => {
    const { records, quarantine } = await readAll(file('\uFEFF{"a":1}\n\uFEFF{"b":2}\n{"c":3}\n'));
    expect(lineValues(records)).toEqual([
      [1, { a: 1 }],
      [3, { c: 3 }],
    ]);
    expect(records[0]!.bytes).toBe(7);
    // A BOM in the middle of a file is not whitespace to JSON: the line is bad, and says so.
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0]!.line).toBe(2);
    expect(quarantine[0]!.reason).toMatch(/^invalid JSON: /);
  });

  it('skips blank and whitespace-only lines, counting them', async () => {
    const { records, stats } = await readAll(file('\n  \n{"a":1}\n\t\r\n\r\n{"a":2}\n \t \n'));
    expect(lineValues(records)).toEqual([
      [3, { a: 1 }],
      [6, { a: 2 }],
    ]);
    expect(stats.counters.blank_lines).toBe(5);
    expect(stats.recordsIn).toBe(2);
  });

  it('passes on JSON that is not an object', async () => {
    const { records } = await readAll(file('42\n[1,"x"]\n"text"\nnull\ntrue\n{"k":{}}\n'));
    expect(records.map((r) => r.value)).toEqual([42, [1, 'x'], 'text', null, true, { k: {} }]);
  });

  it('quarantines invalid JSON in the middle and goes on with the right line numbers', async () => {
    const { records, quarantine, stats } = await readAll(
      file('{"a":1}\n{"a":2}\n{"a":3,,}\nnot json\n{"a":5}\n'),
    );
    expect(lineValues(records)).toEqual([
      [1, { a: 1 }],
      [2, { a: 2 }],
      [5, { a: 5 }],
    ]);
    expect(quarantine.map((q) => [q.line, q.raw, q.stage])).toEqual([
      [3, '{"a":3,,}', 'reader'],
      [4, 'not json', 'reader'],
    ]);
    expect(quarantine.every((q) => q.reason.startsWith('invalid JSON: ') && q.file.endsWith('.ndjson'))).toBe(
      true,
    );
    expect(stats.counters.invalid_json).toBe(2);
    expect(stats.errors).toBe(2);
  });

  it('passes a complete last line without LF, and quarantines a truncated one', async () => {
    const ok = await readAll(file('{"a":1}\n{"a":2}'));
    expect(lineValues(ok.records)).toEqual([
      [1, { a: 1 }],
      [2, { a: 2 }],
    ]);
    const cut = await readAll(file('{"a":1}\n{"a":2}\n{"capture_ts":"2026-08-09T21:05'));
    expect(lineValues(cut.records)).toEqual([
      [1, { a: 1 }],
      [2, { a: 2 }],
    ]);
    expect(cut.quarantine).toEqual([
      {
        file: cut.quarantine[0]!.file,
        line: 3,
        reason: 'truncated last line',
        raw: '{"capture_ts":"2026-08-09T21:05',
        stage: 'reader',
      },
    ]);
    expect(cut.stats.counters.truncated_line).toBe(1);
    expect(cut.stats.counters.invalid_json).toBe(0);
  });

  it('calls a last line cut inside a multi-byte character truncated, not invalid UTF-8', async () => {
    const bytes = Buffer.from('{"a":1}\n{"s":"€', 'utf8');
    const { quarantine, stats } = await readAll(file(bytes.subarray(0, bytes.length - 1)));
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[2, 'truncated last line']]);
    expect(stats.counters.invalid_utf8).toBe(0);
  });

  it('quarantines invalid UTF-8 instead of replacing it', async () => {
    const content = Buffer.concat([
      Buffer.from('{"a":"ok"}\n{"a":"', 'utf8'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n{"a":"', 'utf8'),
      Buffer.from([0xc0, 0xaf]), // overlong encoding of '/'
      Buffer.from('"}\n{"a":"', 'utf8'),
      Buffer.from([0xed, 0xa0, 0x80]), // UTF-16 surrogate half
      Buffer.from('"}\n{"a":"é"}\n', 'utf8'),
    ]);
    const { records, quarantine, stats } = await readAll(file(content));
    expect(lineValues(records)).toEqual([
      [1, { a: 'ok' }],
      [5, { a: 'é' }],
    ]);
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [2, 'invalid UTF-8'],
      [3, 'invalid UTF-8'],
      [4, 'invalid UTF-8'],
    ]);
    expect(quarantine[0]!.raw).toBe('{"a":"\uFFFD\uFFFD"}');
    expect(stats.counters.invalid_utf8).toBe(3);
  });

  it('quarantines an over-long line with the limit in the reason, keeping 4 KiB of it', async () => {
    const long = `{"k":"${'v'.repeat(10_000)}"}`;
    const path = file(`{"a":1}\n${long}\n{"a":3}\n`);
    for (const highWaterMark of [8, 1000, 1 << 20]) {
      const { records, quarantine, stats } = await readAll(path, { maxLineBytes: 100, highWaterMark });
      expect(lineValues(records)).toEqual([
        [1, { a: 1 }],
        [3, { a: 3 }],
      ]);
      expect(quarantine).toHaveLength(1);
      expect(quarantine[0]!.line).toBe(2);
      expect(quarantine[0]!.reason).toBe(`line too long: ${long.length} bytes exceeds maxLineBytes=100`);
      expect(quarantine[0]!.raw).toBe(long.slice(0, 4096));
      expect(stats.counters.line_too_long).toBe(1);
      expect(stats.recordsIn).toBe(3);
      expect(stats.bytesIn).toBe(8 + long.length + 1 + 8);
    }
  });

  it('keeps a bad line whole in raw, however long (up to maxLineBytes)', async () => {
    const bad = `{${'€'.repeat(3000)}`; // 9001 bytes, invalid JSON
    const { quarantine } = await readAll(file(`${bad}\n`));
    expect(quarantine[0]!.raw).toBe(bad);
  });

  it('cuts the head of an over-long line at a character boundary', async () => {
    const long = `{${'€'.repeat(3000)}`;
    const { quarantine } = await readAll(file(`${long}\n`), { maxLineBytes: 100 });
    expect(quarantine[0]!.raw).toBe(`{${'€'.repeat(1365)}`);
  });

  it('throws TooManyErrorsError naming the file when bad lines exceed maxErrors', async () => {
    const path = file('{"a":1}\nbad\n{"a":2}\nbad\nbad\n{"a":3}\n');
    const quarantine = new MemoryQuarantine();
    const reader = new NDJSONReader({ maxErrors: 2, quarantine });
    const error = await caught(
      (async () => {
        for await (const _ of reader.read(path));
      })(),
    );
    expect(error).toBeInstanceOf(TooManyErrorsError);
    expect((error as TooManyErrorsError).file).toBe(path);
    expect((error as TooManyErrorsError).errors).toBe(3);
    expect((error as TooManyErrorsError).limit).toBe(2);
    expect((error as Error).message).toContain(path);
    expect(quarantine.entries.map((q) => q.line)).toEqual([2, 4, 5]);

    const atLimit = await readAll(path, { maxErrors: 3 });
    expect(atLimit.records.map((r) => r.line)).toEqual([1, 3, 6]);
    const strict = await caught(readAll(path, { maxErrors: 0 }));
    expect((strict as TooManyErrorsError).errors).toBe(1);
  });

  it('counts maxErrors per file, not over the life of the reader', async () => {
    const reader = new NDJSONReader({ maxErrors: 1 });
    const path = file('bad\n{"a":1}\n');
    for (let i = 0; i < 3; i++) {
      const lines: number[] = [];
      for await (const batch of reader.read(path)) for (const r of batch) lines.push(r.line);
      expect(lines).toEqual([2]);
    }
    expect(reader.stats().errors).toBe(3);
  });

  it('yields the same records for any batch size, in full batches, never an empty one', async () => {
    const content = Array.from({ length: 50 }, (_, i) => (i % 9 === 4 ? '' : `{"i":${i}}`)).join('\n');
    const path = file(content);
    const whole = await readAll(path);
    expect(whole.records).toHaveLength(44);
    const one = await readAll(path, { batchSize: 1 });
    const seven = await readAll(path, { batchSize: 7 });
    expect(one.records).toEqual(whole.records);
    expect(seven.records).toEqual(whole.records);
    expect(one.batches.every((n) => n === 1)).toBe(true);
    expect(seven.batches).toEqual([7, 7, 7, 7, 7, 7, 2]);
  });

  it('yields nothing for an empty file or one of blank lines', async () => {
    const empty = await readAll(file(''));
    expect(empty.batches).toEqual([]);
    expect(empty.stats.recordsIn).toBe(0);
    expect(empty.stats.counters.files).toBe(1);
    const blanks = await readAll(file('\n\r\n  \n'));
    expect(blanks.batches).toEqual([]);
    expect(blanks.stats.counters.blank_lines).toBe(3);
  });

  it('gives the same records whatever the chunk size, with cuts inside characters and CRLF', async () => {
    const content = '\uFEFF{"s":"é"}\r\n{"s":"€ 𝄞 中"}\r\n\r\n{"s":"ü"}\n{"s":"𝄞𝄞"}\r\n';
    const path = file(content);
    const expected = [
      [1, 10, { s: 'é' }],
      [2, Buffer.byteLength('{"s":"€ 𝄞 中"}'), { s: '€ 𝄞 中' }],
      [4, 10, { s: 'ü' }],
      [5, 16, { s: '𝄞𝄞' }],
    ];
    for (let highWaterMark = 1; highWaterMark <= 24; highWaterMark++) {
      const { records, quarantine, stats } = await readAll(path, { highWaterMark });
      expect(
        records.map((r) => [r.line, r.bytes, r.value]),
        `highWaterMark ${highWaterMark}`,
      ).toEqual(expected);
      expect(quarantine).toEqual([]);
      expect(stats.counters.blank_lines).toBe(1);
    }
  });

  it('keeps physical line numbers across blank, bad and long lines', async () => {
    const content = ['{"n":1}', '', 'oops', 'x'.repeat(50), '  ', '{"n":6}'].join('\n');
    const { records, quarantine } = await readAll(file(content), { maxLineBytes: 20, highWaterMark: 3 });
    expect(lineValues(records)).toEqual([
      [1, { n: 1 }],
      [6, { n: 6 }],
    ]);
    expect(quarantine.map((q) => q.line)).toEqual([3, 4]);
  });
});

describe('NDJSONReader text mode', () => {
  it('hands on lines as strings without parsing, still checking UTF-8 and size', async () => {
    const content = Buffer.concat([
      Buffer.from('{"a":1}\r\nnot json\n\n', 'utf8'),
      Buffer.from([0xff, 0x0a]),
      Buffer.from(`${'x'.repeat(40)}\n{"cut":`, 'utf8'),
    ]);
    const logger = new MemoryLogger();
    const { records, quarantine, stats } = await readAll(file(content), {
      decode: 'text',
      maxLineBytes: 32,
      logger,
    });
    expect(lineValues(records)).toEqual([
      [1, '{"a":1}'],
      [2, 'not json'],
      [6, '{"cut":'],
    ]);
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [4, 'invalid UTF-8'],
      [5, 'line too long: 40 bytes exceeds maxLineBytes=32'],
    ]);
    expect(stats.counters.invalid_json).toBe(0);
    // An unterminated last line cannot be judged without parsing: it is passed on, with a warning.
    expect(
      logger.records.some(
        (r) => r.level === 'warn' && r.message.endsWith(':6: last line has no line terminator'),
      ),
    ).toBe(true);
  });
});

describe('NDJSONReader with a line parser', () => {
  /** Knows lines that start with `{"fast":` and hands back a marker object with the bytes it saw. */
  const parser = {
    seen: [] as string[],
    parse(bytes: Uint8Array, start: number, end: number): unknown {
      const text = Buffer.from(bytes.subarray(start, end)).toString('utf8');
      this.seen.push(text);
      return text.startsWith('{"fast":') ? { parsedBy: 'fast', text } : undefined;
    },
  };

  it('takes the parser’s value for the lines it knows and JSON.parse for the rest', async () => {
    parser.seen.length = 0;
    const content = '{"fast":1}\r\n{"slow":2}\n\n{"fast":\n{"bad":,}\n{"fast":3}';
    const path = file(content);
    const plain = await readAll(path);
    const fast = await readAll(path, { lineParser: parser });
    expect(lineValues(fast.records)).toEqual([
      [1, { parsedBy: 'fast', text: '{"fast":1}' }],
      [2, { slow: 2 }],
      [4, { parsedBy: 'fast', text: '{"fast":' }],
      [6, { parsedBy: 'fast', text: '{"fast":3}' }],
    ]);
    // Blank lines never reach the parser; CR is not part of the line.
    expect(parser.seen).toEqual(['{"fast":1}', '{"slow":2}', '{"fast":', '{"bad":,}', '{"fast":3}']);
    // Lines it declines are quarantined exactly as without it.
    expect(fast.quarantine).toEqual(plain.quarantine.filter((q) => q.line !== 4));
    expect(fast.stats.recordsIn).toBe(plain.stats.recordsIn);
  });

  it('is not used in text mode', async () => {
    parser.seen.length = 0;
    const { records } = await readAll(file('{"fast":1}\n'), { decode: 'text', lineParser: parser });
    expect(lineValues(records)).toEqual([[1, '{"fast":1}']]);
    expect(parser.seen).toEqual([]);
  });
});
