/**
 * The shared Reader suite of `@etl/core/testing` over ParquetReader, on files DuckDB writes from
 * the kit's sample records: one file of several row groups, and a directory of several files.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Row, Schema } from '@etl/core';
import type { ReaderInput } from '@etl/core/testing';
import { testReader } from '@etl/core/testing/vitest';
import { afterAll } from 'vitest';
import { connectDuckDB, sqlString } from './__fixtures__/duckdb-oracle.js';
import { ParquetReader } from './parquet-reader.js';

const BATCH_SIZE = 96;
const ROW_GROUP_SIZE = 250;

const DUCKDB_TYPES: Record<string, string> = {
  int32: 'INTEGER',
  string: 'VARCHAR',
  double: 'DOUBLE',
  bool: 'BOOLEAN',
};

let duck: Promise<DuckDBConnection> | undefined;
afterAll(async () => {
  (await duck)?.closeSync();
});

/** One Parquet file of `records` in several row groups, written by DuckDB from JSON in `scratch`. */
async function writeParquet(
  records: readonly Row[],
  schema: Schema,
  path: string,
  scratch: string,
): Promise<number> {
  duck ??= connectDuckDB();
  const connection = await duck;
  const columns = schema.fields.map((f) => `${f.name}: '${DUCKDB_TYPES[f.type]}'`).join(', ');
  const json = join(scratch, `${basename(path)}.ndjson`);
  writeFileSync(json, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const select = records.length
    ? `SELECT * FROM read_json(${sqlString(json)}, format = 'newline_delimited', columns = {${columns}})`
    : `SELECT ${schema.fields.map((f) => `NULL::${DUCKDB_TYPES[f.type]} AS ${f.name}`).join(', ')} WHERE false`;
  await connection.run(
    `COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`,
  );
  return statSync(path).size;
}

testReader('ParquetReader (one file)', {
  create: () => new ParquetReader({ batchSize: BATCH_SIZE }),
  async write(records, schema, dir): Promise<ReaderInput> {
    const path = join(dir, 'trades.parquet');
    return { path, bytesIn: await writeParquet(records, schema, path, dir) };
  },
  batchSize: BATCH_SIZE,
});

testReader('ParquetReader (a directory of three files)', {
  create: () => new ParquetReader({ batchSize: BATCH_SIZE }),
  async write(records, schema, dir): Promise<ReaderInput> {
    const dataset = join(dir, 'dataset');
    mkdirSync(dataset);
    const third = Math.ceil(records.length / 3);
    let bytesIn = 0;
    for (let i = 0; i < 3; i++) {
      const part = records.slice(i * third, (i + 1) * third);
      bytesIn += await writeParquet(part, schema, join(dataset, `part-${i}.parquet`), dir);
    }
    return { path: dataset, bytesIn };
  },
  batchSize: BATCH_SIZE,
});
