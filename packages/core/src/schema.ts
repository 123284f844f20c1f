/**
 * Output schemas that processors declare and writers honour.
 *
 * Row values follow one convention everywhere, so a processor and a writer that have never met
 * still agree: `string` → string, `double` → number, `int32` → number, `int64` → bigint,
 * `bool` → boolean, `timestamp` → bigint counted in the field's unit since the Unix epoch (UTC),
 * `date` → `'YYYY-MM-DD'` string (UTC calendar date). A nullable field may hold `null` or be absent.
 *
 * Columns read from other tools' files may also be: `decimal` → string with every digit and
 * exactly `scale` digits after the point (`'-12.30'`), `binary` → Uint8Array, `list` → array of
 * the element field's values, `struct` → plain object keyed by the child fields' names, `map` →
 * array of `{ key, value }` entries in file order. Nested nulls are kept as `null`.
 */
import { checkNestedValue } from './schema-values.js';
import { dateKeyProblem } from './time.js';

export type ColumnType =
  | 'string'
  | 'double'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'timestamp'
  | 'date'
  | 'decimal'
  | 'binary'
  | 'list'
  | 'struct'
  | 'map';

/** The types whose values contain other values (`children` describes them). */
export const NESTED_TYPES: readonly ColumnType[] = ['list', 'struct', 'map'];

export type TimeUnit = 'ns' | 'us' | 'ms';

export interface Field {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Only for `timestamp`: the unit of the bigint value. */
  readonly unit?: TimeUnit;
  /** Only for `decimal`: significant digits, and how many of them follow the decimal point. */
  readonly precision?: number;
  readonly scale?: number;
  /** `list`: `[element]`; `struct`: its fields in order; `map`: `[key, value]`. */
  readonly children?: readonly Field[];
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

interface TypeDetails {
  readonly unit?: TimeUnit;
  readonly precision?: number;
  readonly scale?: number;
  readonly children?: readonly Field[];
}

function field(name: string, type: ColumnType, options: FieldOptions = {}, details: TypeDetails = {}): Field {
  const f: Field = {
    name,
    type,
    nullable: options.nullable ?? true,
    ...(details.unit ? { unit: details.unit } : {}),
    ...(details.precision !== undefined ? { precision: details.precision, scale: details.scale ?? 0 } : {}),
    ...(details.children ? { children: Object.freeze([...details.children]) } : {}),
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
    field(name, 'timestamp', options, { unit }),
  date: (name: string, options?: FieldOptions): Field => field(name, 'date', options),
  /** Exact decimal: values are strings such as `'-12.30'` (`scale` digits after the point). */
  decimal: (name: string, precision: number, scale: number, options?: FieldOptions): Field =>
    field(name, 'decimal', options, { precision, scale }),
  binary: (name: string, options?: FieldOptions): Field => field(name, 'binary', options),
  /** A list whose items follow `element` (its name is conventionally `element`). */
  list: (name: string, element: Field, options?: FieldOptions): Field =>
    field(name, 'list', options, { children: [element] }),
  struct: (name: string, fields: readonly Field[], options?: FieldOptions): Field =>
    field(name, 'struct', options, { children: fields }),
  /** Entries `{ key, value }`; the key field is conventionally not nullable. */
  map: (name: string, key: Field, value: Field, options?: FieldOptions): Field =>
    field(name, 'map', options, { children: [key, value] }),
} as const;

const CHILD_COUNT: Partial<Record<ColumnType, number>> = { list: 1, map: 2 };

/** Why a field is malformed (a missing unit, precision or child), or undefined. */
function fieldProblem(f: Field): string | undefined {
  if (!f.name) return 'schema field name must not be empty';
  if (f.type === 'timestamp' && !f.unit) return `timestamp field "${f.name}" needs a unit`;
  if (f.type === 'decimal') {
    const { precision, scale } = f;
    if (!Number.isInteger(precision) || (precision ?? 0) < 1 || !Number.isInteger(scale) || (scale ?? -1) < 0)
      return `decimal field "${f.name}" needs an integer precision ≥ 1 and scale ≥ 0`;
  }
  if (!NESTED_TYPES.includes(f.type)) return undefined;
  const children = f.children ?? [];
  const expected = CHILD_COUNT[f.type];
  if (expected !== undefined ? children.length !== expected : children.length === 0)
    return `${f.type} field "${f.name}" needs ${expected ?? 'at least one'} child field${expected === undefined || expected === 1 ? '' : 's'}`;
  for (const child of children) {
    const problem = fieldProblem(child);
    if (problem) return problem;
  }
  return undefined;
}

/** A type as people write it: `timestamp(ns)`, `decimal(18,2)`, `list<int64>`, `map<string, double>`. */
export function describeType(f: Field): string {
  switch (f.type) {
    case 'timestamp':
      return `timestamp(${f.unit ?? 'ns'})`;
    case 'decimal':
      return `decimal(${f.precision ?? 0},${f.scale ?? 0})`;
    case 'list':
      return `list<${f.children?.[0] ? describeType(f.children[0]) : '?'}>`;
    case 'map':
      return `map<${(f.children ?? []).map(describeType).join(', ')}>`;
    case 'struct':
      return `struct<${(f.children ?? []).map((c) => `${c.name}: ${describeType(c)}`).join(', ')}>`;
    default:
      return f.type;
  }
}

/** Builds a schema, rejecting duplicate or empty field names. */
export function defineSchema(fields: readonly Field[]): Schema {
  const seen = new Set<string>();
  for (const f of fields) {
    const problem = fieldProblem(f);
    if (problem) throw new TypeError(problem);
    if (seen.has(f.name)) throw new TypeError(`schema field "${f.name}" is declared twice`);
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
    default:
      return checkNestedValue(f, value, checkValue);
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
