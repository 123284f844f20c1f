/**
 * Which columns a file's rows get and where each value comes from (a decoded column or a constant
 * partition value), decided once per file so the per-row loop only copies values.
 */
import { type Field, type Row, SchemaError } from '@etl/core';
import type { FileColumn, ValueConverter } from './column-types.js';
import type { PartitionColumn, PlannedFile } from './dataset-plan.js';
import type { ColumnArrays } from './parquet-file.js';
import type { PartitionValue } from './partition-filter.js';
import { partitionField } from './partition-values.js';

export type MissingColumns = 'error' | 'null';

export interface RowLayout {
  /** Output column names, in row key order. */
  readonly names: readonly string[];
  /** For each output column, the file column to copy from, or undefined for a constant. */
  readonly sources: readonly (string | undefined)[];
  /** For each output column without a source, its value (partition value or null). */
  readonly constants: readonly PartitionValue[];
  /** For each output column, its schema field; undefined for a column this file lacks (null). */
  readonly fields: readonly (Field | undefined)[];
  /** File columns to decode. */
  readonly decode: readonly string[];
  /** File columns whose decoded values need converting to the core convention, with their converter. */
  readonly convert: ReadonlyMap<string, ValueConverter>;
}

export interface LayoutInput {
  readonly file: PlannedFile;
  readonly fileColumns: readonly FileColumn[];
  readonly partitionColumns: readonly PartitionColumn[];
  readonly projection?: readonly string[];
  readonly missingColumns: MissingColumns;
}

class LayoutBuilder {
  readonly names: string[] = [];
  readonly sources: (string | undefined)[] = [];
  readonly constants: PartitionValue[] = [];
  readonly fields: (Field | undefined)[] = [];
  readonly decode: string[] = [];
  readonly convert = new Map<string, ValueConverter>();

  constructor(private readonly path: string) {}

  fromFile(column: FileColumn): void {
    if (!column.field) throw new SchemaError(`${this.path}: column ${column.name}: ${column.unsupported}`);
    this.names.push(column.name);
    this.sources.push(column.name);
    this.constants.push(null);
    this.fields.push(column.field);
    this.decode.push(column.name);
    if (column.convert) this.convert.set(column.name, column.convert);
  }

  constant(name: string, value: PartitionValue, field: Field | undefined): void {
    this.names.push(name);
    this.sources.push(undefined);
    this.constants.push(value);
    this.fields.push(field);
  }
}

/**
 * Like DuckDB, a partition value replaces a file column of the same name (keeping the file
 * column's position); a partition column missing from this file's path reads as null, or as the
 * file's own column when it has one.
 */
export function rowLayout(input: LayoutInput): RowLayout {
  const { file, fileColumns, partitionColumns, projection } = input;
  const b = new LayoutBuilder(file.path);
  const byName = new Map(fileColumns.map((c) => [c.name, c]));
  const partitionFields = new Map(
    partitionColumns.map((p) => [p.name, partitionField(p.name, p.type, p.nullable)]),
  );

  const place = (name: string): boolean => {
    const pField = partitionFields.get(name);
    if (pField && Object.hasOwn(file.partition, name)) {
      b.constant(name, file.partition[name] as PartitionValue, pField);
      return true;
    }
    const column = byName.get(name);
    if (column) {
      b.fromFile(column);
      return true;
    }
    if (pField) {
      b.constant(name, null, pField);
      return true;
    }
    return false;
  };

  if (projection) {
    for (const name of projection) {
      if (place(name)) continue;
      if (input.missingColumns === 'null') b.constant(name, null, undefined);
      else
        throw new SchemaError(
          `${file.path}: no column ${name} (set missingColumns: 'null' to read it as null)`,
        );
    }
  } else {
    for (const column of fileColumns) place(column.name);
    for (const p of partitionColumns) if (!byName.has(p.name)) place(p.name);
  }
  return b;
}

/**
 * Converts the decoded columns that need it (decimals, nested values, UINT_32 → bigint, …) once
 * per row group, so the row loop only copies.
 */
export function convertColumns(arrays: ColumnArrays, convert: ReadonlyMap<string, ValueConverter>): void {
  for (const [name, converter] of convert) {
    const source = arrays.get(name);
    if (!source) continue;
    const out = new Array<unknown>(source.length);
    for (let i = 0; i < source.length; i++) out[i] = converter(source[i]);
    arrays.set(name, out);
  }
}

/**
 * Appends rows `from`..`to` (exclusive) of a decoded row group to `out`. The hot loop: one object
 * per row, values copied by index, nulls normalised to null.
 */
export function appendRows(
  out: Row[],
  layout: RowLayout,
  columns: readonly (ArrayLike<unknown> | undefined)[],
  from: number,
  to: number,
): void {
  const names = layout.names;
  const constants = layout.constants;
  const n = names.length;
  for (let r = from; r < to; r++) {
    const row: Row = {};
    for (let j = 0; j < n; j++) {
      const values = columns[j];
      row[names[j]!] = values === undefined ? constants[j] : (values[r] ?? null);
    }
    out.push(row);
  }
}

/** The decoded arrays in layout order (undefined where the value is a constant). */
export function layoutColumns(layout: RowLayout, arrays: ColumnArrays): (ArrayLike<unknown> | undefined)[] {
  return layout.sources.map((source) => (source === undefined ? undefined : arrays.get(source)));
}
