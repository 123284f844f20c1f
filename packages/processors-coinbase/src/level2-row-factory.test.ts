import type { Row, SourceRecord } from '@etl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixtureLines, SEGMENT } from './__fixtures__/fixture-records.js';
import { Level2Processor } from './level2-processor.js';
import { compileLevel2RowFactory, LEVEL2_ROW_COLUMNS, level2Row } from './level2-row-factory.js';
import { AdvancedTradeLineScanner } from './line-scanner.js';
import { MessageContext } from './message-context.js';
import { RawParser } from './raw-parser.js';
import { level2Schema } from './schemas.js';

function context(): MessageContext {
  const ctx = new MessageContext();
  ctx.begin('f.ndjson', 3);
  ctx.channel = 'l2_data';
  ctx.server.parse('2026-08-09T21:05:48.483587501Z');
  ctx.captureTimestamp = 7n;
  ctx.sequenceNum = 42n;
  ctx.clientId = 'c1';
  return ctx;
}

describe('level2 row factories', () => {
  it('LEVEL2_ROW_COLUMNS lists the literal factory’s columns in order', () => {
    const row = level2Row(context(), 'BTC-USD', 'update', 'offer', 'ask', 1.5, 2, 9n, '2026-08-09', '21');
    expect(Object.keys(row)).toEqual(LEVEL2_ROW_COLUMNS);
    expect(Object.keys(row).sort()).toEqual(level2Schema.fields.map((f) => f.name).sort());
  });

  it('a compiled factory makes the same row plus the extra columns, null', () => {
    const make = compileLevel2RowFactory(['best_bid_price', 'book_valid', 'date', 'best_bid_price']);
    const ctx = context();
    const plain = level2Row(ctx, 'ETH-USD', 'snapshot', 'bid', 'bid', 3.25, 0, null, '2026-08-09', '21');
    const row = make(ctx, 'ETH-USD', 'snapshot', 'bid', 'bid', 3.25, 0, null, '2026-08-09', '21');
    // Base columns keep their place; 'date' is one already, the duplicate is made once.
    expect(Object.keys(row)).toEqual([...LEVEL2_ROW_COLUMNS, 'best_bid_price', 'book_valid']);
    expect(row).toEqual({ ...plain, best_bid_price: null, book_valid: null });
    expect(row.server_timestamp).toBe(1786309548483587501n);
    expect(row.is_snapshot).toBe(true);
  });

  it('without extra columns the literal factory is used', () => {
    expect(compileLevel2RowFactory([])).toBe(level2Row);
    expect(compileLevel2RowFactory(['product_id', 'hour'])).toBe(level2Row);
  });

  it('refuses names that are not plain identifiers (they are compiled into code)', () => {
    for (const bad of ['a-b', 'x: 1, y', '1abc', '', 'a b', '__proto__"', '__proto__']) {
      expect(() => compileLevel2RowFactory([bad]), bad).toThrow(/not a plain column name/);
    }
  });
});

describe('RawParser level2Columns', () => {
  let records: SourceRecord[];
  beforeAll(async () => {
    const lines = await readFixtureLines(SEGMENT);
    const scanner = new AdvancedTradeLineScanner();
    // Both parser paths: scanned frames where the scanner takes the line, JSON otherwise.
    records = lines.map((line, i) => {
      const bytes = Buffer.from(line);
      const value = scanner.parse(bytes, 0, bytes.length) ?? JSON.parse(line);
      return { file: SEGMENT, line: i + 1, bytes: bytes.length + 1, value };
    });
  });

  function run(level2Columns?: readonly string[]): Row[] {
    const parser = new RawParser({ source: 'coinbase', ...(level2Columns ? { level2Columns } : {}) });
    const book = new Level2Processor({ computeFeatures: true });
    const out: Row[] = [];
    for (let i = 0; i < records.length; i += 100)
      out.push(...book.process(parser.process(records.slice(i, i + 100))));
    out.push(...book.flush());
    return out;
  }

  it('rows after the order book are the same with the book columns declared up front', () => {
    const book = new Level2Processor({ computeFeatures: true });
    const output = book.outputSchema(level2Schema)!;
    const added = output.fields.map((f) => f.name).filter((n) => !LEVEL2_ROW_COLUMNS.includes(n));
    expect(added).toContain('bid_depth_10bps');
    const plain = run();
    const declared = run(added);
    expect(declared.length).toBe(plain.length);
    expect(plain.filter((r) => r.channel === 'l2_data').length).toBe(47_930);
    expect(declared).toEqual(plain);
    const stamped = declared.find((r) => r.channel === 'l2_data' && r.book_valid === true)!;
    expect(typeof stamped.mid_price).toBe('number');
  });
});
