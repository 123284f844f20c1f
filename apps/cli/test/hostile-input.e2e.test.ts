/**
 * Hostile input (issue 6): one segment per case, each with good trades before and after the bad
 * part, all run by one `etl run`. For every case: no crash, no good row lost, the bad lines in the
 * segment's quarantine file with file, line and reason, nothing written outside the output
 * directory, and the summary's counts right.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escapePartitionValue } from '@etl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, glob } from './helpers.js';
import {
  filesUnder,
  hiddenFiles,
  type RunSummary,
  runArgs,
  summaryOf,
  type Workspace,
  workspace,
} from './workspace.js';

const TS = '2026-08-09T21:06:00.123456789Z';
const CAPTURE = '2026-08-09T21:06:00.200000+00:00';

type Json = Record<string, unknown>;
const envelope = (data: Json): string =>
  JSON.stringify({ capture_ts: CAPTURE, data, metadata: { source: 'coinbase', channel: data.channel } });
const tradeOf = (id: string, productId = 'GOOD-USD', extra: Json = {}): Json => ({
  trade_id: id,
  product_id: productId,
  price: '100.5',
  size: '0.25',
  side: 'BUY',
  time: TS,
  ...extra,
});
const tradesMessage = (trades: Json[], extra: Json = {}): Json => ({
  channel: 'market_trades',
  timestamp: TS,
  sequence_num: 7,
  events: [{ type: 'update', trades }],
  ...extra,
});
const trade = (id: string, productId?: string, extra?: Json): string =>
  envelope(tradesMessage([tradeOf(id, productId, extra)]));
const l2 = (events: unknown): string =>
  envelope({ channel: 'l2_data', timestamp: TS, sequence_num: 8, events });

interface Case {
  readonly name: string;
  /** The case's lines between a good trade `<n>-a` first and `<n>-z` last (unless `raw`). */
  readonly lines?: readonly (string | Buffer)[];
  /** The whole file, as bytes, instead. */
  readonly raw?: Buffer;
  /** 1-based lines of the file expected in quarantine, with the reason they must give. */
  readonly bad?: readonly [number, RegExp][];
  /** Trades besides `<n>-a` and `<n>-z` that must be written: [product_id, trade_id]. */
  readonly good?: readonly [string, string][];
  /** Rows set aside after parsing (not input lines). */
  readonly badRows?: number;
}

const LONG_ID = 'X'.repeat(5000);
const HUGE_BYTES = 64 * 1024 * 1024 + 16;

const CASES: Case[] = [
  {
    name: 'invalid JSON',
    lines: ['{"capture_ts": "2026-08-09T21:06:00Z", "data": {'],
    bad: [[2, /invalid JSON/]],
  },
  { name: 'JSON array', lines: ['[1,2,3]'], bad: [[2, /not a JSON object \(got an array\)/]] },
  { name: 'JSON number', lines: ['42'], bad: [[2, /not a JSON object \(got a number\)/]] },
  { name: 'JSON string', lines: ['"segment"'], bad: [[2, /not a JSON object \(got a string\)/]] },
  { name: 'JSON null', lines: ['null'], bad: [[2, /not a JSON object \(got null\)/]] },
  { name: 'JSON boolean', lines: ['true'], bad: [[2, /not a JSON object \(got a boolean\)/]] },
  {
    name: 'timestamp of the wrong type',
    lines: [envelope({ ...tradesMessage([tradeOf('t')]), timestamp: 12345 })],
    bad: [[2, /timestamp/]],
  },
  {
    name: 'sequence number negative',
    lines: [envelope({ ...tradesMessage([tradeOf('t')]), sequence_num: -3 })],
    bad: [[2, /sequence_num/]],
  },
  {
    name: 'a bad trade next to a good one in the same message',
    lines: [envelope(tradesMessage([tradeOf('16-b'), tradeOf('bad', 'GOOD-USD', { price: 'abc' })]))],
    bad: [[2, /price/]],
    good: [['GOOD-USD', '16-b']],
  },
  {
    name: 'events not an array',
    lines: [envelope({ channel: 'market_trades', timestamp: TS, events: { type: 'update' } })],
    bad: [[2, /events/]],
  },
  { name: 'channel missing', lines: [JSON.stringify({ timestamp: TS, events: [] })], bad: [[2, /channel/]] },
  {
    name: 'timestamp missing',
    lines: [envelope({ channel: 'market_trades', events: [] })],
    bad: [[2, /timestamp/]],
  },
  {
    name: 'trade_id missing',
    lines: [envelope(tradesMessage([{ ...tradeOf('x'), trade_id: undefined }]))],
    bad: [[2, /trade_id/]],
  },
  {
    name: 'product_id missing',
    lines: [envelope(tradesMessage([{ ...tradeOf('x'), product_id: undefined }]))],
    bad: [[2, /product_id/]],
  },
  {
    name: 'unknown channel',
    lines: [envelope({ channel: 'mystery', timestamp: TS, sequence_num: 9, events: [{ x: 1 }] })],
  },
  {
    name: 'unknown level2 event type',
    lines: [l2([{ type: 'weird', product_id: 'GOOD-USD', updates: [] }])],
    bad: [[2, /type is not 'snapshot' or 'update'/]],
  },
  {
    name: 'unknown trades event type (kept: the type is data)',
    lines: [envelope({ ...tradesMessage([]), events: [{ type: 'mystery', trades: [tradeOf('21-b')] }] })],
    good: [['GOOD-USD', '21-b']],
  },
  {
    name: 'huge line over the line limit',
    lines: [Buffer.alloc(HUGE_BYTES, 0x61)],
    bad: [[2, /line too long/]],
  },
  {
    name: 'huge valid line (5000 trades in one message)',
    lines: [envelope(tradesMessage(Array.from({ length: 5000 }, (_, i) => tradeOf(`23-t${i}`))))],
    good: Array.from({ length: 5000 }, (_, i) => ['GOOD-USD', `23-t${i}`] as [string, string]),
  },
  {
    name: 'invalid UTF-8',
    lines: [Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d])],
    bad: [[2, /invalid UTF-8/]],
  },
  {
    name: 'empty events',
    lines: [envelope({ channel: 'market_trades', timestamp: TS, sequence_num: 10, events: [] })],
  },
  {
    name: 'events that are not objects',
    lines: [envelope({ ...tradesMessage([]), events: [null, 5, 'x'] })],
    bad: [[2, /not an object/]],
  },
  {
    name: '__proto__ keys',
    lines: [
      '{"__proto__": {"channel": "market_trades", "polluted": true}, "timestamp": "2026-08-09T21:06:00Z", "events": []}',
      trade('27-b').replace(
        '"trade_id":"27-b"',
        '"trade_id":"27-b","__proto__":{"polluted":true,"price":"1"}',
      ),
    ],
    bad: [[2, /channel/]],
    good: [['GOOD-USD', '27-b']],
  },
  {
    name: 'constructor keys and channel',
    lines: [
      envelope({
        channel: 'constructor',
        timestamp: TS,
        sequence_num: 11,
        events: [],
        constructor: { prototype: 1 },
      }),
      trade('28-b', 'constructor'),
    ],
    good: [['constructor', '28-b']],
  },
  {
    name: 'envelope data not an object',
    lines: [JSON.stringify({ capture_ts: CAPTURE, data: [1] })],
    bad: [[2, /envelope data/]],
  },
  {
    name: 'capture_ts invalid',
    lines: [JSON.stringify({ capture_ts: 'yesterday', data: tradesMessage([tradeOf('x')]) })],
    bad: [[2, /capture_ts/]],
  },
  { name: 'repeated trade', lines: [trade('31-b'), trade('31-b')], good: [['GOOD-USD', '31-b']] },
  ...(
    [
      ['__proto__'],
      ['../../x'],
      ['a/b'],
      ['%'],
      ['='],
      ['..'],
      ['nul\u0000and\u0001control'],
      [LONG_ID],
    ] as const
  ).map(
    ([productId], i): Case => ({
      name: `product_id ${JSON.stringify(productId.slice(0, 12))}`,
      lines: [trade(`p${i}`, productId)],
      good: [[productId, `p${i}`]],
    }),
  ),
  { name: 'product_id empty', lines: [trade('x', '')], bad: [[2, /product_id/]] },
  { name: 'product_id with a lone surrogate', lines: [trade('x', 'BTC\ud800')], badRows: 1 },
];

/** Whole-file cases (no good trades wrapped around them). */
const FILE_CASES: Case[] = [
  {
    name: 'truncated last line',
    raw: Buffer.from(
      `${trade('f0-a')}\n${trade('f0-z')}\n{"capture_ts":"2026-08-09T21:06:13.000000+00:00","data":{"channel":"market_tra`,
    ),
    bad: [[3, /truncated last line/]],
    good: [
      ['GOOD-USD', 'f0-a'],
      ['GOOD-USD', 'f0-z'],
    ],
  },
  {
    name: 'BOM',
    raw: Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`${trade('f1-a')}\n${trade('f1-z')}\n`),
    ]),
    good: [
      ['GOOD-USD', 'f1-a'],
      ['GOOD-USD', 'f1-z'],
    ],
  },
  {
    name: 'CRLF',
    raw: Buffer.from(`${trade('f2-a')}\r\n${trade('f2-z')}\r\n`),
    good: [
      ['GOOD-USD', 'f2-a'],
      ['GOOD-USD', 'f2-z'],
    ],
  },
  { name: 'empty file', raw: Buffer.alloc(0) },
  { name: 'blank lines only', raw: Buffer.from('\n\n   \n\t\n') },
];

const fileName = (i: number) => `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`;

describe('etl run on hostile input', () => {
  let ws: Workspace;
  let summary: RunSummary;
  let before: string[];
  const all = [...CASES, ...FILE_CASES];

  beforeAll(async () => {
    ws = workspace();
    all.forEach((c, i) => {
      const body =
        c.raw ??
        Buffer.concat(
          [trade(`${i}-a`), ...(c.lines ?? []), trade(`${i}-z`)].flatMap((l) => [
            Buffer.from(l),
            Buffer.from('\n'),
          ]),
        );
      writeFileSync(path.join(ws.ready, fileName(i)), body);
    });
    before = filesUnder(ws.root);
    const r = await etl(runArgs(ws, '--keep-input'));
    expect(r.code, r.stderr).toBe(0);
    summary = summaryOf(r.stdout);
  });

  it(`covers ${CASES.length + FILE_CASES.length} cases without a crash`, () => {
    expect(all.length).toBeGreaterThanOrEqual(30);
    expect(summary.segments).toMatchObject({ processed: all.length, failed: 0 });
    expect(readdirSync(path.join(ws.raw, 'done', 'coinbase')).sort()).toEqual(all.map((_, i) => fileName(i)));
    // JSON.parse keeps "__proto__" as an own key: nothing reached Object.prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('quarantines exactly the bad lines of each case, with file, line and reason', () => {
    all.forEach((c, i) => {
      const file = path.join(
        ws.output,
        'coinbase',
        '_quarantine',
        `${fileName(i).replace('.ndjson', '')}.ndjson`,
      );
      const entries = existsSync(file)
        ? readFileSync(file, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [];
      const lines = entries.filter((e) => e.stage !== 'partition-guard' && e.stage !== 'parquet-writer');
      expect(
        lines.map((e) => e.line),
        c.name,
      ).toEqual((c.bad ?? []).map(([line]) => line));
      lines.forEach((e, j) => {
        expect(e.file, c.name).toMatch(new RegExp(`${fileName(i).replace('.', '\\.')}$`));
        expect(e.reason, c.name).toMatch(c.bad![j]![1]);
      });
      expect(entries.length - lines.length, c.name).toBe(c.badRows ?? 0);
    });
  });

  it('keeps every good row, once', async () => {
    const expected = all.flatMap((c, i) => [
      ...(c.raw
        ? []
        : [
            ['GOOD-USD', `${i}-a`],
            ['GOOD-USD', `${i}-z`],
          ]),
      ...(c.good ?? []),
    ]);
    const db = await duckdb();
    // Trade ids are unique per row; product ids are checked against the directories below.
    const ids = (
      await db.rows(
        `SELECT trade_id FROM read_parquet('${glob(ws.output, 'market_trades')}', hive_partitioning=true)`,
      )
    ).map((r) => r.trade_id);
    expect(ids.length).toBe(expected.length);
    expect(new Set(ids)).toEqual(new Set(expected.map(([, id]) => id)));
    expect(summary.datasets.market_trades?.rows).toBe(expected.length);
  });

  it('puts hostile product ids in escaped partitions inside the dataset directory', () => {
    const dirs = readdirSync(path.join(ws.output, 'coinbase', 'market_trades'));
    for (const productId of [
      '__proto__',
      '../../x',
      'a/b',
      '%',
      '=',
      '..',
      'constructor',
      'nul\u0000and\u0001control',
    ]) {
      expect(dirs, productId).toContain(`product_id=${escapePartitionValue(productId)}`);
    }
    expect(dirs).toContain('product_id=..%2F..%2Fx');
    expect(dirs).toContain('product_id=%2E%2E');
    const long = dirs.find((d) => d.startsWith('product_id=XXXX'));
    expect(long).toMatch(/^product_id=X+~[0-9a-f]{16}$/);
    expect(Buffer.byteLength(long!)).toBeLessThanOrEqual(255);
  });

  it('writes nothing outside the output directory and leaves no temporaries', () => {
    const created = filesUnder(ws.root).filter((f) => !before.includes(f));
    const outside = created.filter(
      (f) => !f.startsWith(`processed${path.sep}coinbase${path.sep}`) && !f.startsWith(`raw${path.sep}`),
    );
    expect(outside).toEqual([]);
    expect(created.some((f) => f.split(path.sep).includes('..'))).toBe(false);
    expect(existsSync(path.join(ws.output, 'x'))).toBe(false);
    expect(hiddenFiles(ws.output)).toEqual([]);
  });

  it('counts quarantined lines and rows right in the summary', () => {
    expect(summary.quarantined_lines).toBe(all.reduce((n, c) => n + (c.bad?.length ?? 0), 0));
    expect(summary.quarantined_rows).toBe(all.reduce((n, c) => n + (c.badRows ?? 0), 0));
  });
});
