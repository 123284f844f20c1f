import { describeType, type Field, type Schema, SchemaError } from '@etl/core';
import type { SchemaElement } from 'hyparquet-writer';

const TIME_UNITS = { ns: 'NANOS', us: 'MICROS', ms: 'MILLIS' } as const;

/**
 * The Parquet schema element of one core field. Always explicit: hyparquet-writer's auto-typing
 * would turn integral doubles into INT32 and timestamps into milliseconds.
 */
export function parquetElementFor(field: Field): SchemaElement {
  const repetition_type = field.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = field.name;
  switch (field.type) {
    case 'string':
      return {
        name,
        repetition_type,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      };
    case 'double':
      return { name, repetition_type, type: 'DOUBLE' };
    case 'int32':
      return { name, repetition_type, type: 'INT32' };
    case 'int64':
      return { name, repetition_type, type: 'INT64' };
    case 'bool':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'timestamp':
      // isAdjustedToUTC=false: DuckDB then reads NANOS as TIMESTAMP_NS with all nine digits (with
      // true it reads TIMESTAMPTZ in microseconds). Values are UTC all the same. No converted_type:
      // TIMESTAMP_MILLIS/MICROS would claim UTC-adjusted.
      return {
        name,
        repetition_type,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: TIME_UNITS[field.unit ?? 'ns'] },
      };
    default:
      throw unwritableColumn(field);
  }
}

/** The error for a column type this writer has no encoder for (decimal, binary, nested). */
export function unwritableColumn(field: Field): SchemaError {
  return new SchemaError(
    `column ${field.name}: @etl/writer-parquet cannot write ${describeType(field)} columns; leave the column out or convert it first`,
  );
}

/**
 * Core schema → hyparquet-writer schema (root element first). `exclude` drops columns, e.g.
 * partition columns that live only in directory names.
 */
export function parquetSchemaFor(schema: Schema, exclude: readonly string[] = []): SchemaElement[] {
  const fields = schema.fields.filter((f) => !exclude.includes(f.name));
  return [{ name: 'root', num_children: fields.length }, ...fields.map(parquetElementFor)];
}
