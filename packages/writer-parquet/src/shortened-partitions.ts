/**
 * Partition values too long for a directory name. Partition columns normally live in directory
 * names only; a value past the name limit is shortened there (`xxxx…~<hash>`), so the files of
 * such a partition also store the string partition columns as ordinary columns, last, holding
 * the value as written. Readers that take partition values from paths (DuckDB with
 * `hive_partitioning = true`) still show the shortened name; the file's column has the true value.
 */
import type { Field, Schema } from '@etl/core';
import type { ColumnChunk } from './column-chunk.js';
import { parquetSchemaFor } from './parquet-schema.js';
import type { PartFileSettings } from './part-file.js';

/** `settings` with `columns` (string partition columns) appended to the file schema. */
export function withValueColumns(
  settings: PartFileSettings,
  schema: Schema,
  columns: readonly Field[],
): PartFileSettings {
  const names = new Set(columns.map((f) => f.name));
  const others = schema.fields.filter((f) => !names.has(f.name)).map((f) => f.name);
  const extra = parquetSchemaFor(schema, others).slice(1);
  const base = settings.encoding;
  const leaves = base.schema.slice(1);
  return {
    ...settings,
    encoding: {
      ...base,
      schema: [{ name: 'root', num_children: leaves.length + extra.length }, ...leaves, ...extra],
      dictionary: [...base.dictionary, ...extra.map(() => true)],
    },
  };
}

/** A string column holding `value` (or null) on each of `rows` rows. */
export function constantChunk(value: string | null, rows: number): ColumnChunk {
  if (value === null) {
    return { kind: 'string', values: new Int32Array(rows), valid: new Uint8Array(rows), dictionary: [] };
  }
  return { kind: 'string', values: new Int32Array(rows), valid: null, dictionary: [value] };
}
