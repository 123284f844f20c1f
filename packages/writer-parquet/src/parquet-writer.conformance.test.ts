/**
 * The shared Writer suite of `@etl/core/testing` over ParquetWriter, every file read back by
 * DuckDB: on a worker thread and inline, with partition columns in the files and without, and
 * with small row groups and files so sessions roll over into several of each.
 */
import type { Row, Schema } from '@etl/core';
import type { WriterConformanceOptions } from '@etl/core/testing';
import { testWriter } from '@etl/core/testing/vitest';
import { afterAll } from 'vitest';
import { openDuckDb, sqlString, type TestEngine } from './__fixtures__/duckdb.js';
import { ParquetWriter, type ParquetWriterOptions } from './parquet-writer.js';

let engine: Promise<TestEngine> | undefined;
afterAll(async () => {
  (await engine)?.close();
});

/** The file's rows as core values: timestamps through `epoch_ns`, so they come back as bigint. */
async function readBack(file: string, schema: Schema): Promise<Row[]> {
  engine ??= openDuckDb();
  const duck = await engine;
  const from = `read_parquet(${sqlString(file)}, hive_partitioning = false)`;
  const present = new Set((await duck.query(`DESCRIBE SELECT * FROM ${from}`)).map((c) => c.column_name));
  const columns = schema.fields
    .filter((f) => present.has(f.name))
    .map((f) => (f.type === 'timestamp' ? `epoch_ns("${f.name}") AS "${f.name}"` : `"${f.name}"`));
  return duck.query(`SELECT ${columns.join(', ')} FROM ${from}`);
}

const suite = (options: ParquetWriterOptions): WriterConformanceOptions => ({
  create: ({ quarantine }) => new ParquetWriter({ ...options, ...(quarantine ? { quarantine } : {}) }),
  readBack,
  quarantine: true,
});

testWriter('ParquetWriter', suite({}));
testWriter(
  'ParquetWriter (inline, partition columns kept)',
  suite({ useWorker: false, keepPartitionColumns: true }),
);
testWriter(
  'ParquetWriter (row groups of 16 rows, files of 40)',
  suite({ rowGroupSize: 16, maxRowsPerFile: 40 }),
);
