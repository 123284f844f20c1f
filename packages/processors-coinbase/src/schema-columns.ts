/** Placing derived columns next to the columns they derive from, for readable schemas. */
import { defineSchema, type Field, type Schema } from '@etl/core';

/**
 * A new schema with `fields` placed right after the field named `anchor` (at the end when there is
 * no such field). A field whose name already exists replaces it where it stands.
 */
export function insertFieldsAfter(schema: Schema, anchor: string, fields: readonly Field[]): Schema {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const replaced = schema.fields.map((f) => {
    const r = byName.get(f.name);
    if (r) byName.delete(f.name);
    return r ?? f;
  });
  const added = fields.filter((f) => byName.has(f.name));
  const at = replaced.findIndex((f) => f.name === anchor);
  if (at < 0) return defineSchema(replaced.concat(added));
  return defineSchema(replaced.slice(0, at + 1).concat(added, replaced.slice(at + 1)));
}
