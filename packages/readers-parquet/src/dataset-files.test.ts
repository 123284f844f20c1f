import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/duckdb-oracle.js';
import { listDatasetFiles } from './dataset-files.js';

let dir: string;

function touch(...parts: string[]): void {
  const path = join(dir, ...parts);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
}

beforeAll(() => {
  dir = join(tempDir('files'), 'ds');
  touch('product_id=BTC-USD', 'date=2026-08-10', 'part-b-0000.parquet');
  touch('product_id=BTC-USD', 'date=2026-08-09', 'part-a-0000.parquet');
  touch('product_id=BTC-USD', 'date=2026-08-09', 'part-a-0001.parquet');
  touch('product_id=BTC-USD', 'date=2026-08-09', '.part-c-0000.parquet.tmp');
  touch('product_id=BTC-USD', 'date=2026-08-09', '.part-d-0000.parquet');
  touch('product_id=BTC-USD', 'date=2026-08-09', 'manifest.json');
  touch('product_id=A%2FB', 'date=__HIVE_DEFAULT_PARTITION__', 'part-x=y.parquet');
  touch('_SUCCESS');
  touch('_temporary', 'product_id=BTC-USD', 'part-z.parquet');
  touch('.staging', 'part-z.parquet');
  symlinkSync(join(dir, 'product_id=BTC-USD'), join(dir, 'product_id=LINK'));
});

afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('listDatasetFiles', () => {
  it('walks a directory for *.parquet in sorted order, skipping . and _ names', async () => {
    const files = await listDatasetFiles(dir, true);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual([
      'product_id=A%2FB/date=__HIVE_DEFAULT_PARTITION__/part-x=y.parquet',
      'product_id=BTC-USD/date=2026-08-09/part-a-0000.parquet',
      'product_id=BTC-USD/date=2026-08-09/part-a-0001.parquet',
      'product_id=BTC-USD/date=2026-08-10/part-b-0000.parquet',
      'product_id=LINK/date=2026-08-09/part-a-0000.parquet',
      'product_id=LINK/date=2026-08-09/part-a-0001.parquet',
      'product_id=LINK/date=2026-08-10/part-b-0000.parquet',
    ]);
  });

  it('parses unescaped partition values from directories, not from file names', async () => {
    const [escaped, plain] = await listDatasetFiles(dir, true);
    expect(escaped?.partition).toEqual({ product_id: 'A/B', date: null });
    expect(plain?.partition).toEqual({ product_id: 'BTC-USD', date: '2026-08-09' });
    expect(Object.keys(plain?.partition ?? {})).toEqual(['product_id', 'date']);
    const [noHive] = await listDatasetFiles(dir, false);
    expect(noHive?.partition).toEqual({});
  });

  it('takes a single file as it is, with the partitions of its path', async () => {
    const file = join(dir, 'product_id=BTC-USD', 'date=2026-08-09', 'manifest.json');
    expect(await listDatasetFiles(file, true)).toEqual([
      { path: file, partition: { product_id: 'BTC-USD', date: '2026-08-09' } },
    ]);
  });

  it('selects with globs and never returns hidden names', async () => {
    const glob = await listDatasetFiles(`${dir}/product_id=BTC-USD/*/*`, true);
    expect(glob.map((f) => f.path.slice(dir.length + 1))).toEqual([
      'product_id=BTC-USD/date=2026-08-09/manifest.json',
      'product_id=BTC-USD/date=2026-08-09/part-a-0000.parquet',
      'product_id=BTC-USD/date=2026-08-09/part-a-0001.parquet',
      'product_id=BTC-USD/date=2026-08-10/part-b-0000.parquet',
    ]);
    expect((await listDatasetFiles(`${dir}/**/part-?-0001.parquet`, true)).length).toBe(2);
  });

  it('names a missing input', async () => {
    await expect(listDatasetFiles(join(dir, 'nope'), true)).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: `parquet input not found: ${join(dir, 'nope')}`,
    });
    const file = join(dir, '_SUCCESS');
    await expect(listDatasetFiles(`${file}/*.parquet`, true)).rejects.toThrow(`${file} is not a directory`);
  });
});
