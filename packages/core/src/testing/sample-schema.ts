/**
 * A schema guessed from sample rows, for processors whose output schema depends on their input
 * (one that adds columns): the conformance kit gives it to `outputSchema` when the author gave
 * no input schema, so a plugin author need not import the schemas of the rows they process.
 */
import { type ColumnType, defineSchema, type Field, type Schema } from '../schema.js';

function scalarTypeOf(value: unknown): ColumnType | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'double';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'bool';
    default:
      return value instanceof Uint8Array ? 'binary' : undefined;
  }
}

interface ColumnSample {
  type: ColumnType | undefined;
  /** A value of another kind, or a nested value: the column cannot be described. */
  mixed: boolean;
  nullable: boolean;
  seen: number;
}

/**
 * Every column of `rows` whose non-null values are all strings, numbers (as `double`), bigints
 * (as `int64`), booleans or Uint8Arrays, in first-seen order; nullable when a row lacks it or
 * holds null. Columns of nested or mixed values are left out: give `inputSchema` for those.
 */
export function sampleSchemaOf(rows: Iterable<Readonly<Record<string, unknown>>>): Schema {
  const columns = new Map<string, ColumnSample>();
  let count = 0;
  for (const row of rows) {
    count++;
    for (const [name, value] of Object.entries(row)) {
      let sample = columns.get(name);
      if (!sample) {
        sample = { type: undefined, mixed: false, nullable: count > 1, seen: 0 };
        columns.set(name, sample);
      }
      sample.seen++;
      if (value === null || value === undefined) {
        sample.nullable = true;
        continue;
      }
      const type = scalarTypeOf(value);
      if (type === undefined || (sample.type !== undefined && sample.type !== type)) sample.mixed = true;
      else sample.type = type;
    }
  }
  const fields: Field[] = [];
  for (const [name, sample] of columns) {
    if (sample.mixed) continue;
    const nullable = sample.nullable || sample.seen < count;
    // A column that is null in every row: any type fits, string is the least surprising.
    fields.push({ name, type: sample.type ?? 'string', nullable });
  }
  return defineSchema(fields);
}
