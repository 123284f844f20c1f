/**
 * Values that used to stop a segment or change silently (issue 20, items 4 and 9): a deeply nested
 * line, decimals that underflow to 0, a leap second at the end of a UTC day.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFrames, duckdb, etl, glob, SEGMENT } from './helpers.js';
import { runArgs, summaryOf, workspace } from './workspace.js';

type Json = Record<string, unknown>;

function quarantined(output: string): Json[] {
  const dir = path.join(output, 'coinbase', '_quarantine');
  return readdirSync(dir).flatMap((name) =>
    readFileSync(path.join(dir, name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Json),
  );
}

const envelope = (capture: string, data: Json): string =>
  JSON.stringify({ capture_ts: capture, data, metadata: { source: 'coinbase', channel: data.channel } });

const trades = (timestamp: string, list: Json[]): Json => ({
  channel: 'market_trades',
  timestamp,
  sequence_num: 3,
  events: [{ type: 'update', trades: list }],
});

const tradeOf = (id: string, price: string, time: string): Json => ({
  trade_id: id,
  product_id: 'BTC-USD',
  price,
  size: '0.5',
  side: 'BUY',
  time,
});

describe('a deeply nested line', () => {
  it('is quarantined with its line number; the rest of the segment is converted', async () => {
    const ws = workspace();
    const lines = readFileSync(SEGMENT, 'utf8').split('\n').filter(Boolean);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    lines.splice(40, 0, deep); // line 41
    writeFileSync(path.join(ws.ready, path.basename(SEGMENT)), `${lines.join('\n')}\n`);
    const run = await etl(runArgs(ws));
    expect(run.code, run.stderr).toBe(0);
    const summary = summaryOf(run.stdout);
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    const entries = quarantined(ws.output);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ line: 41, reason: expect.stringMatching(/not a JSON object/) });
    expect(String(entries[0]!.raw)).toMatch(/^\[\[\[\[/);
    const expected = countFrames(SEGMENT);
    const db = await duckdb();
    expect(await db.one(`SELECT count(*) AS n FROM read_parquet('${glob(ws.output, 'level2')}')`)).toEqual({
      n: BigInt(expected.l2Updates),
    });
    expect(
      await db.one(`SELECT count(*) AS n FROM read_parquet('${glob(ws.output, 'market_trades')}')`),
    ).toEqual({ n: BigInt(expected.tradeIds.size) });
  });
});

describe('decimals that do not fit a double', () => {
  it('quarantines underflow like overflow; the good trade is written', async () => {
    const ws = workspace();
    const ts = '2026-08-09T21:06:00.123456789Z';
    const capture = '2026-08-09T21:06:00.200000+00:00';
    const file = [
      envelope(capture, trades(ts, [tradeOf('1', '100.5', ts)])),
      envelope(capture, trades(ts, [tradeOf('2', '1e-400', ts)])),
      envelope(capture, trades(ts, [tradeOf('3', `0.${'0'.repeat(400)}1`, ts)])),
      envelope(capture, trades(ts, [tradeOf('4', '1e400', ts)])),
      envelope(capture, trades(ts, [tradeOf('5', '0.000', ts)])),
    ];
    writeFileSync(path.join(ws.ready, 'segment_20260809T21_00001.ndjson'), `${file.join('\n')}\n`);
    const run = await etl(runArgs(ws));
    expect(run.code, run.stderr).toBe(0);
    const lines = quarantined(ws.output)
      .map((e) => e.line)
      .sort();
    expect(lines).toEqual([2, 3, 4]);
    const db = await duckdb();
    const rows = await db.rows(
      `SELECT trade_id, price FROM read_parquet('${glob(ws.output, 'market_trades')}') ORDER BY trade_id`,
    );
    expect(rows).toEqual([
      { trade_id: '1', price: 100.5 },
      { trade_id: '5', price: 0 },
    ]);
  });
});

describe('a leap second', () => {
  it('keeps the row in the date it was written with, at second 59 with its fraction', async () => {
    const ws = workspace();
    const leap = '2026-12-31T23:59:60.5Z';
    const file = [
      envelope(
        '2026-12-31T23:59:60.600000+00:00',
        trades('2026-12-31T23:59:60.55Z', [tradeOf('7', '100', leap)]),
      ),
    ];
    writeFileSync(path.join(ws.ready, 'segment_20261231T23_00001.ndjson'), `${file.join('\n')}\n`);
    const run = await etl(runArgs(ws));
    expect(run.code, run.stderr).toBe(0);
    const db = await duckdb();
    const rows = await db.rows(
      `SELECT date::VARCHAR AS date, time::VARCHAR AS time, server_timestamp::VARCHAR AS server
       FROM read_parquet('${glob(ws.output, 'market_trades')}', hive_partitioning = true)`,
    );
    expect(rows).toEqual([
      { date: '2026-12-31', time: '2026-12-31 23:59:59.5', server: '2026-12-31 23:59:59.55' },
    ]);
  });
});

describe('product ids a directory name cannot hold exactly', () => {
  it('keeps the true value: in the files when shortened, escaped when spelled like null', async () => {
    const ws = workspace();
    const ts = '2026-08-09T21:06:00.123456789Z';
    const capture = '2026-08-09T21:06:00.200000+00:00';
    const long = `L${'O'.repeat(300)}NG-USD`;
    const withProduct = (id: string, product: string) => ({
      ...tradeOf(id, '100.5', ts),
      product_id: product,
    });
    const file = [
      envelope(capture, trades(ts, [withProduct('1', long)])),
      envelope(capture, trades(ts, [withProduct('2', '__HIVE_DEFAULT_PARTITION__')])),
      envelope(capture, trades(ts, [withProduct('3', 'BTC-USD')])),
    ];
    writeFileSync(path.join(ws.ready, 'segment_20260809T21_00001.ndjson'), `${file.join('\n')}\n`);
    const run = await etl(runArgs(ws));
    expect(run.code, run.stderr).toBe(0);
    const db = await duckdb();
    const byPath = await db.rows(
      `SELECT trade_id, product_id FROM read_parquet('${glob(ws.output, 'market_trades')}', hive_partitioning = true) ORDER BY trade_id`,
    );
    expect(byPath[1]).toEqual({ trade_id: '2', product_id: '__HIVE_DEFAULT_PARTITION__' });
    expect(byPath[2]).toEqual({ trade_id: '3', product_id: 'BTC-USD' });
    expect(String(byPath[0]!.product_id)).toMatch(/~[0-9a-f]{16}$/);
    const inFiles = await db.rows(
      `SELECT trade_id, product_id FROM read_parquet('${glob(ws.output, 'market_trades')}', hive_partitioning = false, union_by_name = true) WHERE product_id IS NOT NULL`,
    );
    expect(inFiles).toEqual([{ trade_id: '1', product_id: long }]);
  });
});
