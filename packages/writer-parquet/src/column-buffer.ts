import { checkValue, dayFromDateKey, type Field } from '@etl/core';
import type { ColumnSource } from 'hyparquet-writer';

/** What hyparquet-writer accepts as a column's values. */
export type ColumnValues = ColumnSource['data'];

/**
 * One column of a partition's pending row group. Values are stored at a row index rather than
 * appended, so a row rejected half-way leaves nothing behind: the next row simply overwrites it.
 */
export interface ColumnBuffer {
  readonly field: Field;
  /** Stores `value` at row `index`; false when the value does not fit the field. */
  set(index: number, value: unknown): boolean;
  /** Why `value` does not fit; only meaningful after `set` returned false. */
  problem(value: unknown): string;
  /** The first `rows` values, as hyparquet-writer encodes them (null where a value is null). */
  values(rows: number): ColumnValues;
}

const INITIAL_CAPACITY = 1024;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function grownCapacity(current: number, index: number, max: number): number {
  let next = Math.max(current, INITIAL_CAPACITY);
  while (next <= index) next *= 2;
  return Math.min(Math.max(next, index + 1), Math.max(max, index + 1));
}

type NumericArray = Float64Array | Int32Array;

/**
 * Typed storage (no boxed number per row) plus a validity byte per row for nullable fields. Grows
 * geometrically up to the row-group size, so small partitions stay small.
 */
abstract class TypedColumn<A extends NumericArray> implements ColumnBuffer {
  protected data: A;
  protected valid: Uint8Array | undefined;

  constructor(
    readonly field: Field,
    private readonly maxRows: number,
  ) {
    const capacity = Math.min(INITIAL_CAPACITY, maxRows);
    this.data = this.allocate(capacity);
    this.valid = field.nullable ? new Uint8Array(capacity) : undefined;
  }

  protected abstract allocate(capacity: number): A;

  abstract set(index: number, value: unknown): boolean;

  problem(value: unknown): string {
    return checkValue(this.field, value) ?? `${this.field.name} cannot hold ${String(value)}`;
  }

  /** Makes room for row `index`. */
  protected reserve(index: number): void {
    if (index < this.data.length) return;
    const capacity = grownCapacity(this.data.length, index, this.maxRows);
    const data = this.allocate(capacity);
    (data as { set(source: A): void }).set(this.data);
    this.data = data;
    if (this.valid) {
      const valid = new Uint8Array(capacity);
      valid.set(this.valid);
      this.valid = valid;
    }
  }

  /** Stores a null at `index` when the field allows it. */
  protected setNull(index: number, value: unknown): boolean {
    if ((value !== null && value !== undefined) || !this.valid) return false;
    this.reserve(index);
    this.valid[index] = 0;
    return true;
  }

  values(rows: number): ColumnValues {
    const valid = this.valid;
    const present = this.data.subarray(0, rows);
    if (!valid || valid.subarray(0, rows).indexOf(0) < 0) return present;
    // Only row groups that really hold nulls pay for a boxed array.
    const out: unknown[] = new Array(rows);
    for (let i = 0; i < rows; i++) out[i] = valid[i] === 1 ? present[i] : null;
    return out as ColumnValues;
  }
}

class DoubleColumn extends TypedColumn<Float64Array> {
  protected allocate(capacity: number): Float64Array {
    return new Float64Array(capacity);
  }
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'number') return this.setNull(index, value);
    this.reserve(index);
    this.data[index] = value;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
}

class Int32Column extends TypedColumn<Int32Array> {
  protected allocate(capacity: number): Int32Array {
    return new Int32Array(capacity);
  }
  set(index: number, value: unknown): boolean {
    // `(v | 0) === v` holds exactly for integers in the signed 32-bit range.
    if (typeof value !== 'number' || (value | 0) !== value) return this.setNull(index, value);
    this.reserve(index);
    this.data[index] = value;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
}

/** `'YYYY-MM-DD'` strings stored as day numbers; consecutive rows mostly share a date. */
class DateColumn extends TypedColumn<Int32Array> {
  private lastKey = '';
  private lastDay = 0;

  protected allocate(capacity: number): Int32Array {
    return new Int32Array(capacity);
  }
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'string') return this.setNull(index, value);
    if (value !== this.lastKey) {
      try {
        this.lastDay = dayFromDateKey(value);
      } catch {
        return false;
      }
      this.lastKey = value;
    }
    this.reserve(index);
    this.data[index] = this.lastDay;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
  override problem(value: unknown): string {
    return (
      checkValue(this.field, value) ??
      `${this.field.name} expects a valid 'YYYY-MM-DD' date, got ${String(value)}`
    );
  }
}

/** Values kept as the JS values themselves, which is what hyparquet-writer encodes from. */
abstract class ValueColumn<T> implements ColumnBuffer {
  protected data: (T | null)[] = [];

  constructor(readonly field: Field) {}

  abstract set(index: number, value: unknown): boolean;

  protected setNull(index: number, value: unknown): boolean {
    if ((value !== null && value !== undefined) || !this.field.nullable) return false;
    this.data[index] = null;
    return true;
  }

  problem(value: unknown): string {
    return checkValue(this.field, value) ?? `${this.field.name} cannot hold ${String(value)}`;
  }

  values(rows: number): ColumnValues {
    return (rows === this.data.length ? this.data : this.data.slice(0, rows)) as ColumnValues;
  }
}

class StringColumn extends ValueColumn<string> {
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'string') return this.setNull(index, value);
    this.data[index] = value;
    return true;
  }
}

class BoolColumn extends ValueColumn<boolean> {
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'boolean') return this.setNull(index, value);
    this.data[index] = value;
    return true;
  }
}

/**
 * int64 and timestamp fields, range-checked. A plain array of the rows' own bigints, not a
 * BigInt64Array: every read from a BigInt64Array allocates a new bigint, and hyparquet-writer
 * reads each value several times (statistics, dictionary, range check, encoding); measured on
 * 1 M level2 rows that cost ~30 % more CPU time.
 */
class BigIntColumn extends ValueColumn<bigint> {
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX)
      return this.setNull(index, value);
    this.data[index] = value;
    return true;
  }
  override problem(value: unknown): string {
    return (
      checkValue(this.field, value) ??
      `${this.field.name} is outside the signed 64-bit range: ${String(value)}`
    );
  }
}

/** A buffer for `field` that holds at most `maxRows` rows (the row-group size). */
export function createColumnBuffer(field: Field, maxRows: number): ColumnBuffer {
  switch (field.type) {
    case 'double':
      return new DoubleColumn(field, maxRows);
    case 'int32':
      return new Int32Column(field, maxRows);
    case 'int64':
    case 'timestamp':
      return new BigIntColumn(field);
    case 'date':
      return new DateColumn(field, maxRows);
    case 'string':
      return new StringColumn(field);
    case 'bool':
      return new BoolColumn(field);
  }
}
