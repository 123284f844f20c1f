import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { EtlError, MemoryQuarantine, SchemaError } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { craftedRows, craftedSchema, tempRoot } from './__fixtures__/crafted.js';
import { listFiles, openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
import { ParquetWriter } from './parquet-writer.js';
import { sanitizeInputId } from './part-names.js';

let db: TestEngine;
let dirs: Awaited<ReturnType<typeof tempRoot>>;

beforeAll(async () => {
  db = await openDuckDb();
  dirs = await tempRoot();
});
afterAll(async () => {
  db.close();
  await dirs.cleanup();
});

const target = (dir: string, inputId = 'seg-1') => ({
  path: dir,
  schema: craftedSchema,
  partitionCols: ['product_id', 'date'],
  inputId,
});
const TEMP_NAME = /^\.part-seg-1-\d{4}\.parquet\.\d+-[0-9a-f]{8}\.tmp$/;

async function countRows(dir: string): Promise<bigint> {
  const rows = await db.query(`SELECT count(*) AS n FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)})`);
  return rows[0]?.n as bigint;
}

describe('ParquetWriteSession lifecycle', () => {
  it('keeps unfinished files under dot-temporary names that no *.parquet glob matches', async () => {
    const dir = dirs.next();
    const session = new ParquetWriter({ rowGroupSize: 10 }).open(target(dir));
    await session.write([...craftedRows(25, 'BTC-USD'), ...craftedRows(12, 'ETH-USD')]);
    const during = await listFiles(dir);
    expect(during).toHaveLength(2);
    for (const file of during) expect(path.basename(file)).toMatch(TEMP_NAME);
    const globbed = await db.query(`SELECT count(*) AS n FROM glob(${sqlString(`${dir}/**/*.parquet`)})`);
    expect(globbed).toEqual([{ n: 0n }]);
    await session.close();
    expect(await listFiles(dir)).toEqual([
      'product_id=BTC-USD/date=2026-08-09/part-seg-1-0000.parquet',
      'product_id=ETH-USD/date=2026-08-09/part-seg-1-0000.parquet',
    ]);
    expect(await countRows(dir)).toBe(37n);
  });

  it('abort deletes every temporary file and the directories it created', async () => {
    const dir = dirs.next();
    const session = new ParquetWriter({ rowGroupSize: 10, maxRowsPerFile: 20 }).open(target(dir));
    await session.write([...craftedRows(45, 'BTC-USD'), ...craftedRows(12, 'ETH-USD')]);
    expect((await listFiles(dir)).length).toBe(3); // BTC: two finished roll-overs; ETH: one open file
    await session.abort();
    expect(existsSync(dir)).toBe(false);
    await expect(session.write(craftedRows(1))).rejects.toThrow('session is aborted');
    await session.abort(); // idempotent

    // A dataset directory that existed before is left in place (with what was there).
    const existing = dirs.next();
    mkdirSync(existing, { recursive: true });
    writeFileSync(path.join(existing, 'keep.txt'), 'x');
    const second = new ParquetWriter({ rowGroupSize: 5 }).open(target(existing));
    await second.write(craftedRows(12));
    await second.abort();
    expect(await listFiles(existing)).toEqual(['keep.txt']);
  });

  it('replaces the files of an input written again, including surplus roll-over files', async () => {
    const dir = dirs.next();
    // A run that dies before close leaves only dot-temporary files behind.
    const crashed = new ParquetWriter({ rowGroupSize: 10, maxRowsPerFile: 40 }).open(target(dir, 'seg-2'));
    // A real crash takes its open files with it; here the process lives on, so release them at the
    // end (abort closes them and removes only this session's temporary files), or the garbage
    // collector closes them with a warning.
    onTestFinished(() => crashed.abort());
    await crashed.write(craftedRows(100));
    const writeAll = async (writer: ParquetWriter, inputId: string, n: number) => {
      const session = writer.open(target(dir, inputId));
      await session.write(craftedRows(n));
      return session.close();
    };
    expect(await listFiles(dir)).toHaveLength(3);
    expect((await listFiles(dir)).every((f) => path.basename(f).startsWith('.'))).toBe(true);

    await writeAll(new ParquetWriter({ maxRowsPerFile: 40 }), 'seg-2', 100);
    expect(await countRows(dir)).toBe(100n);
    const again = await writeAll(new ParquetWriter({ maxRowsPerFile: 40 }), 'seg-2', 100);
    expect(again.files).toHaveLength(3);
    expect(await countRows(dir)).toBe(100n);
    // Fewer files this time: the stale part-seg-2-0002 must go.
    await writeAll(new ParquetWriter({ maxRowsPerFile: 60 }), 'seg-2', 100);
    const visible = (await listFiles(dir)).filter((f) => !path.basename(f).startsWith('.'));
    expect(visible.map((f) => path.basename(f))).toEqual([
      'part-seg-2-0000.parquet',
      'part-seg-2-0001.parquet',
    ]);
    expect(await countRows(dir)).toBe(100n);
    // Another input adds its own files.
    await writeAll(new ParquetWriter(), 'seg-3', 7);
    expect(await countRows(dir)).toBe(107n);
  });

  it('rejects a value that does not fit its column with a SchemaError naming path, column and value', async () => {
    const dir = dirs.next();
    const writer = new ParquetWriter();
    const session = writer.open(target(dir));
    const rows = craftedRows(3);
    rows[1] = { ...rows[1], price: '65000.5' };
    const error = await session.write(rows).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).code).toBe('E_SCHEMA');
    expect((error as Error).message).toBe(
      `${dir}: row 1 of the batch, column price: price expects a number, got string (value "65000.5")`,
    );
    // Nothing is coerced or half-written: the session carries on with the rows before the bad one.
    await session.write(craftedRows(2, 'BTC-USD', '2026-08-09', 10));
    for (const [column, value, text] of [
      ['seq', 5, 'seq expects a bigint, got number (value 5)'],
      ['count', 2 ** 40, 'count expects a 32-bit integer'],
      ['qty', null, 'qty is not nullable but got null'],
      ['ts', 2n ** 64n, 'ts is outside the signed 64-bit range'],
      ['date', '2026-13-01', "date expects a 'YYYY-MM-DD'"],
      ['date', '2026-02-30', "column date: date expects a 'YYYY-MM-DD' string, got 2026-02-30"],
      ['product_id', null, 'product_id is not nullable'],
    ] as const) {
      const bad = { ...craftedRows(1)[0], [column]: value };
      await expect(session.write([bad])).rejects.toThrow(text);
    }
    const result = await session.close();
    expect(result.rows).toBe(3);
    const got = await db.query(
      `SELECT count FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}) ORDER BY count`,
    );
    expect(got.map((r) => r.count)).toEqual([0, 10, 11]);
    expect(writer.stats()).toMatchObject({ recordsIn: 11, recordsOut: 3, errors: 8 });
  });

  it('sends rows that do not fit to the quarantine sink when one is given, and writes the rest', async () => {
    const dir = dirs.next();
    const quarantine = new MemoryQuarantine();
    const writer = new ParquetWriter({ quarantine });
    const session = writer.open(target(dir));
    const first = craftedRows(4);
    first[2] = { ...first[2], seq: 7 };
    await session.write(first);
    const second = craftedRows(3, 'BTC-USD', '2026-08-09', 10);
    second[0] = { ...second[0], date: 'not-a-date' };
    await session.write(second);
    const result = await session.close();
    expect(result.rows).toBe(5);
    expect(quarantine.entries.map((e) => [e.file, e.line, e.stage])).toEqual([
      [dir, 3, 'parquet-writer'],
      [dir, 5, 'parquet-writer'],
    ]);
    expect(quarantine.entries[0]?.reason).toBe(
      `${dir}: row 2 of the batch, column seq: seq expects a bigint, got number (value 7)`,
    );
    expect(quarantine.entries[0]?.raw).toContain('"seq":7');
    expect(quarantine.entries[0]?.raw).toContain('"ts":"1786309548483587503n"');
    expect(quarantine.entries[1]?.reason).toContain("column date: date expects a 'YYYY-MM-DD' string");
    const got = await db.query(
      `SELECT count FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}) ORDER BY count`,
    );
    expect(got.map((r) => r.count)).toEqual([0, 1, 3, 11, 12]);
    expect(writer.stats()).toMatchObject({
      recordsIn: 7,
      recordsOut: 5,
      errors: 2,
      counters: { quarantined: 2 },
    });
  });

  it('with deferPublish leaves finished files under temporary names and reports them', async () => {
    const dir = dirs.next();
    const session = new ParquetWriter().open({ ...target(dir), deferPublish: true });
    await session.write([...craftedRows(3, 'BTC-USD'), ...craftedRows(2, 'ETH-USD')]);
    const result = await session.close();
    expect(result.files).toHaveLength(2);
    for (const file of result.files) {
      expect(path.basename(file.tempPath ?? '')).toMatch(TEMP_NAME);
      expect(path.dirname(file.tempPath ?? '')).toBe(path.dirname(file.path));
      expect(existsSync(file.tempPath ?? '')).toBe(true);
      expect(existsSync(file.path)).toBe(false);
    }
    const [btc, eth] = result.files;
    await rename(btc!.tempPath!, btc!.path);
    expect(await countRows(dir)).toBe(3n);
    // Aborting now discards what the caller has not published yet.
    await session.abort();
    expect(existsSync(eth!.tempPath!)).toBe(false);
    expect(existsSync(btc!.path)).toBe(true);
  });

  it('names the file when the disk refuses a write, and can still be aborted cleanly', async () => {
    const dir = dirs.next();
    mkdirSync(dir, { recursive: true });
    // A regular file where a partition directory must go makes mkdir fail.
    writeFileSync(path.join(dir, 'product_id=BAD'), 'in the way');
    const session = new ParquetWriter({ rowGroupSize: 2 }).open(target(dir));
    await session.write(craftedRows(3, 'GOOD'));
    const error = await session.write(craftedRows(3, 'BAD')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toBe('E_WRITE');
    expect((error as Error).message).toContain(path.join(dir, 'product_id=BAD/date=2026-08-09'));
    await expect(session.write(craftedRows(1))).rejects.toThrow('an earlier write failed; abort the session');
    await expect(session.close()).rejects.toThrow('abort the session');
    await session.abort();
    expect(await listFiles(dir)).toEqual(['product_id=BAD']);
  });

  it('names the file when publishing fails', async () => {
    const dir = dirs.next();
    // A directory at the final path makes the rename fail.
    mkdirSync(path.join(dir, 'product_id=BTC-USD/date=2026-08-09/part-seg-1-0000.parquet/x'), {
      recursive: true,
    });
    const session = new ParquetWriter().open(target(dir));
    await session.write(craftedRows(2));
    const error = await session.close().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${dir}/product_id=BTC-USD/date=2026-08-09/part-seg-1-0000\\.parquet: renaming into place failed`,
      ),
    );
    await session.abort();
    expect(await listFiles(dir)).toEqual([]);
    expect(existsSync(path.join(dir, 'product_id=BTC-USD/date=2026-08-09/part-seg-1-0000.parquet/x'))).toBe(
      true,
    );
  });

  it('refuses overlapping calls and calls after close', async () => {
    const dir = dirs.next();
    const session = new ParquetWriter().open(target(dir));
    const pending = session.write(craftedRows(2));
    await expect(session.write(craftedRows(1))).rejects.toThrow('while another write or close is running');
    await pending;
    await session.close();
    await expect(session.write(craftedRows(1))).rejects.toThrow('session is closed');
    await expect(session.close()).rejects.toThrow('session is closed');
  });

  it('sanitises input ids for file names', () => {
    expect(sanitizeInputId('segment_20260809T21_00001.ndjson')).toBe('segment_20260809T21_00001.ndjson');
    expect(sanitizeInputId('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(sanitizeInputId('a b/c€')).toBe('a_b_c_');
    expect(sanitizeInputId('x'.repeat(500))).toHaveLength(120);
  });
});
