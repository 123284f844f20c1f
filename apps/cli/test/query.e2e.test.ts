/**
 * `etl query` as a user runs it over what `etl run` wrote from the real sample segment: the
 * table, `--json` and `--csv` answers must equal DuckDB's own answer over the same files.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, glob, readyDir, SEGMENT } from './helpers.js';

let output: string;

beforeAll(async () => {
  const dirs = readyDir([SEGMENT]);
  output = dirs.output;
  const r = await etl(['run', '--input', dirs.ready, '--output', output, '--json']);
  expect(r.code).toBe(0);
});

const query = (sql: string, ...flags: string[]) => etl(['query', sql, '--output', output, ...flags]);
const level2 = () => `read_parquet('${glob(output, 'level2')}', hive_partitioning = true)`;

/** Table rows of `etl query` text output, split on runs of 2+ spaces. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.trimEnd().split('\n');
  return lines.slice(2, -1).map((l) => l.trim().split(/ {2,}/));
}

describe('etl query (table)', () => {
  it('answers from a view per dataset, the same as DuckDB over the files', async () => {
    const sql = `SELECT product_id, count(*) AS updates, max(best_bid_price) AS bid, min(best_ask_price) AS ask,
                 count(*) FILTER (WHERE is_snapshot) AS snapshot_levels FROM level2 GROUP BY 1 ORDER BY 1`;
    const r = await query(sql);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const db = await duckdb();
    const expected = await db.rows(sql.replace('FROM level2', `FROM ${level2()}`));
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^product_id +updates +bid +ask +snapshot_levels$/);
    expect(lines.at(-1)).toBe(`(${expected.length} row${expected.length === 1 ? '' : 's'})`);
    expect(tableRows(r.stdout)).toEqual(
      expected.map((e) => [
        e.product_id,
        String(e.updates),
        String(e.bid),
        String(e.ask),
        String(e.snapshot_levels),
      ]),
    );
    // Numbers are right-aligned: the count ends where its header ends.
    expect(lines[2]!.indexOf(String(expected[0]!.updates)) + String(expected[0]!.updates).length).toBe(
      lines[0]!.indexOf('updates') + 7,
    );
  });

  it('registers every dataset as a view, with Hive partition columns typed', async () => {
    const r = await query(
      "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' ORDER BY 1",
      '--csv',
    );
    expect(r.stdout).toBe('table_name\ncandles\nlevel2\nmarket_trades\nquality\nticker\n');
    const types = await query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ticker' AND column_name IN ('date', 'hour') ORDER BY 1",
      '--csv',
    );
    expect(types.stdout).toBe('column_name,data_type\ndate,DATE\nhour,BIGINT\n');
  });

  it('shows the first rows of a long answer and says how many there are', async () => {
    const r = await query(
      'SELECT sequence_num, price_level FROM level2 ORDER BY sequence_num, price_level',
      '--max-rows',
      '3',
    );
    const db = await duckdb();
    const total = Number((await db.one(`SELECT count(*) AS n FROM ${level2()}`)).n);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 3 + 1);
    expect(lines.at(-1)).toBe(
      `(${total.toLocaleString('en-US')} rows, first 3 shown: --max-rows N for more, --csv or --json for all)`,
    );
    expect((await query('SELECT 1', '--max-rows', 'x')).code).toBe(2);
  });
});

describe('etl query --json', () => {
  it('prints an array of row objects equal to DuckDB’s answer, every digit kept', async () => {
    const sql = `SELECT sequence_num, price_level, new_quantity, side, is_snapshot, best_bid_price,
                 CAST(server_timestamp AS VARCHAR) AS ts_text, server_timestamp, epoch_ns(server_timestamp) AS ns, date
                 FROM level2 ORDER BY sequence_num DESC, price_level LIMIT 5`;
    const r = await query(sql, '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    const db = await duckdb();
    const expected = await db.rows(sql.replace('FROM level2', `FROM ${level2()}`));
    expect(rows).toHaveLength(5);
    rows.forEach((row, i) => {
      const e = expected[i]!;
      expect(row).toMatchObject({
        sequence_num: Number(e.sequence_num),
        price_level: e.price_level,
        new_quantity: e.new_quantity,
        side: e.side,
        is_snapshot: e.is_snapshot,
        best_bid_price: e.best_bid_price,
        ts_text: e.ts_text,
        server_timestamp: e.ts_text, // nanosecond timestamps come out in full, as text
        date: '2026-08-09',
      });
    });
    // epoch_ns is beyond 2^53: written as a number literal with every digit, not rounded.
    const ns = String(expected[0]!.ns);
    expect(BigInt(ns)).toBeGreaterThan(2n ** 53n);
    expect(r.stdout).toContain(`"ns":${ns},"date":"2026-08-09"}`);
    expect(r.stdout.split('\n')).toHaveLength(5 + 3); // "[", one line per row, "]", trailing newline
  });

  it('writes BIGINT and DECIMAL as exact JSON numbers and NULL as null', async () => {
    const r = await query(
      'SELECT count(*) AS n, sum(sequence_num) AS s, 1.50::DECIMAL(6,2) AS d, NULL AS z, 12345678901234567890::HUGEINT AS h FROM level2',
      '--json',
    );
    const db = await duckdb();
    const e = await db.one(`SELECT count(*) AS n, sum(sequence_num) AS s FROM ${level2()}`);
    expect(r.stdout).toBe(`[\n{"n":${e.n},"s":${e.s},"d":1.50,"z":null,"h":12345678901234567890}\n]\n`);
  });

  it('prints [] for no rows', async () => {
    expect((await query("SELECT * FROM level2 WHERE side = 'nowhere'", '--json')).stdout).toBe('[]\n');
  });
});

describe('etl query --csv', () => {
  it('prints a header and one line per row, equal to DuckDB’s answer', async () => {
    const sql = `SELECT trade_id, price, size, side, CAST(time AS VARCHAR) AS time, date FROM market_trades ORDER BY time, trade_id`;
    const r = await query(sql, '--csv');
    expect(r.code).toBe(0);
    const db = await duckdb();
    const expected = await db.rows(
      sql.replace(
        'FROM market_trades',
        `FROM read_parquet('${glob(output, 'market_trades')}', hive_partitioning = true)`,
      ),
    );
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('trade_id,price,size,side,time,date');
    expect(lines.slice(1)).toEqual(
      expected.map((e) => [e.trade_id, e.price, e.size, e.side, e.time, '2026-08-09'].join(',')),
    );
    expect(lines).toHaveLength(1 + 147);
  });

  it('quotes commas, quotes and line breaks as RFC 4180 says, and leaves NULL empty', async () => {
    const r = await query(`SELECT 'a,b' AS x, 'say "hi"' AS y, 'two\nlines' AS z, NULL AS n`, '--csv');
    expect(r.stdout).toBe('x,y,z,n\n"a,b","say ""hi""","two\nlines",\n');
  });
});

describe('etl query errors', () => {
  it('exits 2 on bad SQL with DuckDB’s message, where it points, and the datasets there are', async () => {
    const r = await query('SELEC count(*) FROM level2');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('etl: query failed: Parser Error: syntax error at or near "SELEC"');
    expect(r.stderr).toContain('LINE 1: SELEC count(*) FROM level2');
    expect(r.stderr).toContain(
      `datasets under ${path.join(output, 'coinbase')}: candles, level2, market_trades, quality, ticker`,
    );
  });

  it('exits 2 naming an unknown table or column', async () => {
    const table = await query('SELECT * FROM level3');
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/Catalog Error: Table with name level3 does not exist/);
    const column = await query('SELECT best_bid FROM level2');
    expect(column.code).toBe(2);
    expect(column.stderr).toMatch(/Binder Error: .*best_bid/);
  });

  it('exits 2 on usage mistakes, and says when the output holds no datasets', async () => {
    expect((await query('SELECT 1', '--json', '--csv')).code).toBe(2);
    expect((await etl(['query'])).code).toBe(2);
    const empty = await etl(['query', 'SELECT * FROM level2', '--output', path.join(output, 'nowhere')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`no datasets under ${path.join(output, 'nowhere')}`);
  });
});
