/**
 * The core schema of a dataset: the union, by name, of what each file's rows carry.
 */
import { defineSchema, describeType, type Field, type Schema, SchemaError } from '@etl/core';
import type { RowLayout } from './row-layout.js';

interface Seen {
  field: Field | undefined;
  from: string;
  files: number;
  nullable: boolean;
}

/** Same type, unit, precision and scale, and (for nested columns) the same child types. */
function sameType(a: Field, b: Field): boolean {
  return a.type === b.type && a.unit === b.unit && describeType(a) === describeType(b);
}

const describe = describeType;

/**
 * Merges per-file layouts in file order: columns keep their first-seen position; a column that
 * some file lacks, or that is nullable anywhere, is nullable; the same column with different types
 * in two files is a {@link SchemaError} naming both.
 */
export function mergeLayouts(layouts: readonly { path: string; layout: RowLayout }[]): Schema {
  const seen = new Map<string, Seen>();
  for (const { path, layout } of layouts) {
    layout.names.forEach((name, j) => {
      const field = layout.fields[j];
      const s = seen.get(name);
      if (!s) {
        seen.set(name, { field, from: path, files: 1, nullable: field ? field.nullable : true });
        return;
      }
      s.files++;
      if (!field) {
        s.nullable = true;
      } else if (!s.field) {
        s.field = field;
        s.from = path;
        s.nullable = true;
      } else if (!sameType(s.field, field)) {
        throw new SchemaError(
          `column ${name} is ${describe(s.field)} in ${s.from} but ${describe(field)} in ${path}`,
        );
      } else if (field.nullable) {
        s.nullable = true;
      }
    });
  }
  const fields: Field[] = [];
  for (const [name, s] of seen) {
    if (!s.field) throw new SchemaError(`column ${name} is in none of the ${layouts.length} files read`);
    const nullable = s.nullable || s.files < layouts.length;
    fields.push(nullable === s.field.nullable ? s.field : { ...s.field, nullable });
  }
  return defineSchema(fields);
}
