/**
 * Output schemas that processors declare and writers honour.
 *
 * Row values follow one convention everywhere, so a processor and a writer that have never met
 * still agree: `string` → string, `double` → number, `int32` → number, `int64` → bigint,
 * `bool` → boolean, `timestamp` → bigint counted in the field's unit since the Unix epoch (UTC),
 * `date` → `'YYYY-MM-DD'` string (UTC calendar date). A nullable field may hold `null` or be absent.
 */
import { dateKeyProblem } from './time.js';

export type ColumnType = 'string' | 'double' | 'int32' | 'int64' | 'bool' | 'timestamp' | 'date';

export type TimeUnit = 'ns' | 'us' | 'ms';

export interface Field {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Only for `timestamp`: the unit of the bigint value. */
  readonly unit?: TimeUnit;
  /** Hint for writers: few distinct values, dictionary-encode. */
  readonly dictionary?: boolean;
  readonly description?: string;
}

export interface Schema {
  readonly fields: readonly Field[];
}

export interface FieldOptions {
  readonly nullable?: boolean;
  readonly dictionary?: boolean;
  readonly description?: string;
}

function field(name: string, type: ColumnType, options: FieldOptions = {}, unit?: TimeUnit): Field {
  const f: Field = {
    name,
    type,
    nullable: options.nullable ?? true,
    ...(unit ? { unit } : {}),
    ...(options.dictionary ? { dictionary: true } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
  return Object.freeze(f);
}

/** Field constructors. Fields are nullable unless `{ nullable: false }` is given. */
export const col = {
  string: (name: string, options?: FieldOptions): Field => field(name, 'string', options),
  double: (name: string, options?: FieldOptions): Field => field(name, 'double', options),
  int32: (name: string, options?: FieldOptions): Field => field(name, 'int32', options),
  int64: (name: string, options?: FieldOptions): Field => field(name, 'int64', options),
  bool: (name: string, options?: FieldOptions): Field => field(name, 'bool', options),
  timestamp: (name: string, unit: TimeUnit = 'ns', options?: FieldOptions): Field =>
    field(name, 'timestamp', options, unit),
  date: (name: string, options?: FieldOptions): Field => field(name, 'date', options),
} as const;

/** Builds a schema, rejecting duplicate or empty field names. */
export function defineSchema(fields: readonly Field[]): Schema {
  const seen = new Set<string>();
  for (const f of fields) {
    if (!f.name) throw new TypeError('schema field name must not be empty');
    if (seen.has(f.name)) throw new TypeError(`schema field "${f.name}" is declared twice`);
    if (f.type === 'timestamp' && !f.unit) throw new TypeError(`timestamp field "${f.name}" needs a unit`);
    seen.add(f.name);
  }
  return Object.freeze({ fields: Object.freeze([...fields]) });
}

/** A new schema with `fields` appended; a field of the same name replaces the old one in place. */
export function extendSchema(schema: Schema, fields: readonly Field[]): Schema {
  const added = new Map<string, Field>();
  for (const f of fields) {
    // A Map would keep the last of two same-named additions silently; defineSchema refuses those.
    if (added.has(f.name)) throw new TypeError(`schema field "${f.name}" is declared twice`);
    added.set(f.name, f);
  }
  const out: Field[] = schema.fields.map((f) => {
    const replacement = added.get(f.name);
    if (replacement) added.delete(f.name);
    return replacement ?? f;
  });
  return defineSchema([...out, ...added.values()]);
}

export function getField(schema: Schema, name: string): Field | undefined {
  return schema.fields.find((f) => f.name === name);
}

/** A new schema with only the named fields, in the schema's order. */
export function selectFields(schema: Schema, names: readonly string[]): Schema {
  const wanted = new Set(names);
  return defineSchema(schema.fields.filter((f) => wanted.has(f.name)));
}

/**
 * Why a value does not fit a field, or undefined when it does. Used by writers before they
 * encode and by the processor conformance kit.
 */
export function checkValue(f: Field, value: unknown): string | undefined {
  if (value === null || value === undefined) {
    return f.nullable ? undefined : `${f.name} is not nullable but got ${String(value)}`;
  }
  switch (f.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `${f.name} expects a string, got ${typeof value}`;
    case 'double':
      return typeof value === 'number' ? undefined : `${f.name} expects a number, got ${typeof value}`;
    case 'int32':
      // `v | 0` truncates to int32, so it equals v exactly for the integers in [-2^31, 2^31 - 1].
      return typeof value === 'number' && (value | 0) === value
        ? undefined
        : `${f.name} expects a 32-bit integer, got ${String(value)}`;
    case 'int64':
    case 'timestamp':
      return typeof value === 'bigint' ? undefined : `${f.name} expects a bigint, got ${typeof value}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `${f.name} expects a boolean, got ${typeof value}`;
    case 'date':
      return typeof value === 'string' && dateKeyProblem(value) === undefined
        ? undefined
        : `${f.name} expects a 'YYYY-MM-DD' string, got ${String(value)}`;
  }
}

/** Every problem of a row against a schema (empty when the row fits). */
export function checkRow(schema: Schema, row: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const f of schema.fields) {
    const problem = checkValue(f, row[f.name]);
    if (problem) problems.push(problem);
  }
  return problems;
}
