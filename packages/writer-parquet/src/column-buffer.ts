import { checkValue, dayFromDateKey, type Field } from '@etl/core';
import { columnBufferPool } from './buffer-pool.js';
import type { ColumnChunk } from './column-chunk.js';
import { unwritableColumn } from './parquet-schema.js';

/**
 * One column of a partition's pending row group. Values are stored at a row index rather than
 * appended, so a row rejected half-way leaves nothing behind: the next row simply overwrites it.
 * Storage is typed (no boxed number or bigint per row); strings are kept as indexes into the
 * distinct strings of the pending group.
 */
export interface ColumnBuffer {
  readonly field: Field;
  /**
   * The typed storage and validity bytes (undefined for required fields). Row appenders store
   * the common values straight into these after {@link ensureCapacity}, and call `set` for the rest.
   */
  readonly data: Float64Array | Int32Array | BigInt64Array | Uint8Array;
  readonly valid: Uint8Array | undefined;
  /** Grows the storage to hold at least `rows` rows. */
  ensureCapacity(rows: number): void;
  /** Stores `value` at row `index`; false when the value does not fit the field. */
  set(index: number, value: unknown): boolean;
  /** Why `value` does not fit; only meaningful after `set` returned false. */
  problem(value: unknown): string;
  /** Hands over the first `rows` values and starts an empty group with room for `nextRows`. */
  take(rows: number, nextRows: number): ColumnChunk;
  /** Bytes held per row (for the session's memory budget). */
  readonly bytesPerRow: number;
}

const INITIAL_CAPACITY = 1024;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type Storage = Float64Array | Int32Array | BigInt64Array | Uint8Array;

function validity(capacity: number): Uint8Array {
  return new Uint8Array(columnBufferPool.take(capacity), 0, capacity);
}

/**
 * Typed storage plus a validity byte per row for nullable fields. Grows geometrically up to the
 * row-group size, so small partitions stay small; after `take` it starts again at the size the
 * partition needed last time.
 */
abstract class TypedColumn<A extends Storage> implements ColumnBuffer {
  data: A;
  valid: Uint8Array | undefined;
  readonly bytesPerRow: number;

  constructor(
    readonly field: Field,
    private readonly maxRows: number,
    width: number,
    initialRows: number,
  ) {
    const capacity = Math.min(initialRows, maxRows);
    this.data = this.allocate(capacity);
    this.valid = field.nullable ? validity(capacity) : undefined;
    this.bytesPerRow = width + (field.nullable ? 1 : 0);
  }

  protected abstract allocate(capacity: number): A;

  abstract set(index: number, value: unknown): boolean;

  protected abstract chunk(values: A, valid: Uint8Array | null): ColumnChunk;

  problem(value: unknown): string {
    return checkValue(this.field, value) ?? `${this.field.name} cannot hold ${String(value)}`;
  }

  ensureCapacity(rows: number): void {
    if (rows > this.data.length) this.reserve(rows - 1);
  }

  /** Makes room for row `index`. */
  protected reserve(index: number): void {
    if (index < this.data.length) return;
    let capacity = Math.max(this.data.length, INITIAL_CAPACITY);
    while (capacity <= index) capacity *= 2;
    capacity = Math.min(Math.max(capacity, index + 1), Math.max(this.maxRows, index + 1));
    const data = this.allocate(capacity);
    (data as { set(source: A): void }).set(this.data);
    columnBufferPool.give(this.data.buffer as ArrayBuffer);
    this.data = data;
    if (this.valid) {
      const valid = validity(capacity);
      valid.set(this.valid);
      columnBufferPool.give(this.valid.buffer as ArrayBuffer);
      this.valid = valid;
    }
  }

  /** Stores a null at `index` when the field allows it. */
  protected setNull(index: number, value: unknown): boolean {
    if ((value !== null && value !== undefined) || !this.valid) return false;
    if (index >= this.data.length) this.reserve(index);
    this.valid[index] = 0;
    return true;
  }

  take(rows: number, nextRows: number): ColumnChunk {
    const valid = this.valid;
    // The arrays go to the encoder (possibly another thread): start new ones (none for 0 rows:
    // the session then drops this buffer).
    const capacity = Math.min(nextRows, this.maxRows);
    const data = this.data;
    this.data = this.allocate(capacity);
    const hasNull = valid !== undefined && valid.subarray(0, rows).indexOf(0) >= 0;
    if (valid !== undefined) {
      // A validity array without a null can stay (every row written next sets its byte again)
      // when it has the new size.
      if (hasNull || valid.length !== capacity) this.valid = validity(capacity);
      if (!hasNull && valid.length !== capacity) columnBufferPool.give(valid.buffer as ArrayBuffer);
    }
    return this.chunk(data, hasNull ? valid : null);
  }
}

class DoubleColumn extends TypedColumn<Float64Array> {
  constructor(field: Field, maxRows: number, initialRows: number) {
    super(field, maxRows, 8, initialRows);
  }
  protected allocate(capacity: number): Float64Array {
    return new Float64Array(columnBufferPool.take(capacity * 8), 0, capacity);
  }
  protected chunk(values: Float64Array, valid: Uint8Array | null): ColumnChunk {
    return { kind: 'double', values, valid };
  }
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'number') return this.setNull(index, value);
    if (index >= this.data.length) this.reserve(index);
    this.data[index] = value;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
}

class Int32Column extends TypedColumn<Int32Array> {
  constructor(field: Field, maxRows: number, initialRows: number) {
    super(field, maxRows, 4, initialRows);
  }
  protected allocate(capacity: number): Int32Array {
    return new Int32Array(columnBufferPool.take(capacity * 4), 0, capacity);
  }
  protected chunk(values: Int32Array, valid: Uint8Array | null): ColumnChunk {
    return { kind: 'int32', values, valid };
  }
  set(index: number, value: unknown): boolean {
    // `(v | 0) === v` holds exactly for integers in the signed 32-bit range.
    if (typeof value !== 'number' || (value | 0) !== value) return this.setNull(index, value);
    if (index >= this.data.length) this.reserve(index);
    this.data[index] = value;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
}

/** `'YYYY-MM-DD'` strings stored as day numbers; consecutive rows mostly share a date. */
class DateColumn extends Int32Column {
  private lastKey = '';
  private lastDay = 0;

  override set(index: number, value: unknown): boolean {
    if (typeof value !== 'string') return this.setNull(index, value);
    if (value !== this.lastKey) {
      try {
        this.lastDay = dayFromDateKey(value);
      } catch {
        return false;
      }
      this.lastKey = value;
    }
    if (index >= this.data.length) this.reserve(index);
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

/**
 * int64 and timestamp fields, range-checked, in a BigInt64Array: storing a bigint there
 * allocates nothing, and the encoder reads the values through 32-bit views, never as bigints.
 */
class BigIntColumn extends TypedColumn<BigInt64Array> {
  constructor(field: Field, maxRows: number, initialRows: number) {
    super(field, maxRows, 8, initialRows);
  }
  protected allocate(capacity: number): BigInt64Array {
    return new BigInt64Array(columnBufferPool.take(capacity * 8), 0, capacity);
  }
  protected chunk(values: BigInt64Array, valid: Uint8Array | null): ColumnChunk {
    return { kind: 'int64', values, valid };
  }
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX)
      return this.setNull(index, value);
    if (index >= this.data.length) this.reserve(index);
    this.data[index] = value;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
  override problem(value: unknown): string {
    return (
      checkValue(this.field, value) ??
      `${this.field.name} is outside the signed 64-bit range: ${String(value)}`
    );
  }
}

class BoolColumn extends TypedColumn<Uint8Array> {
  constructor(field: Field, maxRows: number, initialRows: number) {
    super(field, maxRows, 1, initialRows);
  }
  protected allocate(capacity: number): Uint8Array {
    return new Uint8Array(columnBufferPool.take(capacity), 0, capacity);
  }
  protected chunk(values: Uint8Array, valid: Uint8Array | null): ColumnChunk {
    return { kind: 'bool', values, valid };
  }
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'boolean') return this.setNull(index, value);
    if (index >= this.data.length) this.reserve(index);
    this.data[index] = value ? 1 : 0;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
}

/**
 * Strings as indexes into the distinct strings of the pending group. Consecutive rows mostly
 * repeat a value (product, side, channel), so the last one is checked before the map.
 */
class StringColumn extends TypedColumn<Int32Array> {
  private dictionary: string[] = [];
  private lookup = new Map<string, number>();
  /** The last string stored and its index (row appenders check it before calling `set`). */
  last: string | undefined;
  lastIndex = 0;

  constructor(field: Field, maxRows: number, initialRows: number) {
    super(field, maxRows, 4, initialRows);
  }
  protected allocate(capacity: number): Int32Array {
    return new Int32Array(columnBufferPool.take(capacity * 4), 0, capacity);
  }
  protected chunk(values: Int32Array, valid: Uint8Array | null): ColumnChunk {
    const dictionary = this.dictionary;
    this.dictionary = [];
    this.lookup = new Map();
    this.last = undefined;
    return { kind: 'string', values, valid, dictionary };
  }
  set(index: number, value: unknown): boolean {
    if (typeof value !== 'string') return this.setNull(index, value);
    let k = this.lastIndex;
    if (value !== this.last) {
      const known = this.lookup.get(value);
      if (known === undefined) {
        k = this.dictionary.length;
        this.dictionary.push(value);
        this.lookup.set(value, k);
      } else k = known;
      this.last = value;
      this.lastIndex = k;
    }
    if (index >= this.data.length) this.reserve(index);
    this.data[index] = k;
    if (this.valid) this.valid[index] = 1;
    return true;
  }
}

/**
 * A buffer for `field` that holds at most `maxRows` rows (the row-group size), starting with
 * room for `initialRows`.
 */
export function createColumnBuffer(
  field: Field,
  maxRows: number,
  initialRows = INITIAL_CAPACITY,
): ColumnBuffer {
  switch (field.type) {
    case 'double':
      return new DoubleColumn(field, maxRows, initialRows);
    case 'int32':
      return new Int32Column(field, maxRows, initialRows);
    case 'int64':
    case 'timestamp':
      return new BigIntColumn(field, maxRows, initialRows);
    case 'date':
      return new DateColumn(field, maxRows, initialRows);
    case 'string':
      return new StringColumn(field, maxRows, initialRows);
    case 'bool':
      return new BoolColumn(field, maxRows, initialRows);
    default:
      throw unwritableColumn(field);
  }
}
