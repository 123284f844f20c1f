/**
 * Test support: Parquet files written with hyparquet-writer, the way @etl/writer-parquet writes
 * them (explicit schema, INT64 TIMESTAMP(NANOS, isAdjustedToUTC=false), UTF8 strings).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';

export interface HandmadeColumn {
  readonly name: string;
  readonly element: Omit<SchemaElement, 'name'>;
  readonly data: readonly unknown[] | BigInt64Array | Float64Array | Int32Array;
}

export const NS_TIMESTAMP: Omit<SchemaElement, 'name'> = {
  type: 'INT64',
  repetition_type: 'REQUIRED',
  logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
};
export const STRING: Omit<SchemaElement, 'name'> = {
  type: 'BYTE_ARRAY',
  repetition_type: 'OPTIONAL',
  converted_type: 'UTF8',
  logical_type: { type: 'STRING' },
};
export const DOUBLE: Omit<SchemaElement, 'name'> = { type: 'DOUBLE', repetition_type: 'OPTIONAL' };
export const INT64: Omit<SchemaElement, 'name'> = { type: 'INT64', repetition_type: 'OPTIONAL' };
export const BOOLEAN: Omit<SchemaElement, 'name'> = { type: 'BOOLEAN', repetition_type: 'OPTIONAL' };
export const DATE: Omit<SchemaElement, 'name'> = {
  type: 'INT32',
  repetition_type: 'OPTIONAL',
  converted_type: 'DATE',
};

export interface HandmadeOptions {
  readonly rowGroupSize: number;
  /** Small pages make a column chunk arrive in several pieces. */
  readonly pageSize?: number;
  readonly codec?: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
}

export function writeHandmadeParquet(
  path: string,
  columns: readonly HandmadeColumn[],
  options: HandmadeOptions,
): void {
  mkdirSync(dirname(path), { recursive: true });
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => ({ name: c.name, ...c.element })),
  ];
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema,
    codec: options.codec ?? 'SNAPPY',
    compressors: { GZIP: (input: Uint8Array) => gzipSync(input) },
  });
  writer.write({
    columnData: columns.map((c) => ({ name: c.name, data: c.data as unknown[] })),
    rowGroupSize: options.rowGroupSize,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  writer.finish();
}
