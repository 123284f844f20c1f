import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ParquetReader } from './parquet-reader.js';

/** An output root with one partition holding two segment files and their merged file. */
async function midSwap(): Promise<{ root: string; dir: string }> {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-view-'));
  const dir = path.join(root, 'level2', 'date=2026-08-09');
  mkdirSync(dir, { recursive: true });
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  for (const [name, values] of [
    ['a.parquet', '(1)'],
    ['b.parquet', '(2)'],
    ['part-compacted-1-0000.parquet', '(1), (2)'],
  ] as const) {
    await db.run(
      `COPY (SELECT x::BIGINT AS x FROM (VALUES ${values}) t(x)) TO '${path.join(dir, name)}' (FORMAT parquet)`,
    );
  }
  db.closeSync();
  return { root, dir };
}

function record(root: string, state: string): void {
  const at = path.join(root, '_compactions', 'level2', 'date=2026-08-09');
  mkdirSync(at, { recursive: true });
  const p = (n: string) => path.join('level2', 'date=2026-08-09', n);
  writeFileSync(
    path.join(at, 'manifest.json'),
    JSON.stringify({
      state,
      files: [{ path: p('part-compacted-1-0000.parquet') }],
      replaced: [{ path: p('a.parquet') }, { path: p('b.parquet') }],
    }),
  );
}

async function values(input: string, options = {}): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const batch of new ParquetReader(options).read(input))
    for (const r of batch) out.push(r.x as bigint);
  return out.sort();
}

describe('ParquetReader follows compaction manifests', () => {
  it('reads the replaced files while a compaction is committed, the merged one once swapped', async () => {
    const { root, dir } = await midSwap();
    expect(await values(path.join(root, 'level2'))).toEqual([1n, 1n, 2n, 2n]); // no manifest: every file
    record(root, 'committed');
    expect((await new ParquetReader().files(path.join(root, 'level2'))).map((f) => path.basename(f))).toEqual(
      ['a.parquet', 'b.parquet'],
    );
    expect(await values(dir)).toEqual([1n, 2n]);
    record(root, 'swapped');
    expect((await new ParquetReader().files(path.join(root, 'level2'))).map((f) => path.basename(f))).toEqual(
      ['part-compacted-1-0000.parquet'],
    );
    expect(await values(`${root}/level2/**/*.parquet`)).toEqual([1n, 2n]);
    record(root, 'done');
    expect(await values(path.join(root, 'level2'))).toEqual([1n, 1n, 2n, 2n]);
  });

  it('followManifests: false reads every file', async () => {
    const { root } = await midSwap();
    record(root, 'swapped');
    expect(await values(path.join(root, 'level2'), { followManifests: false })).toEqual([1n, 1n, 2n, 2n]);
  });
});
