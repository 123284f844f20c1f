import { createHash } from 'node:crypto';
import { ConfigError, escapePartitionValue, partitionSegment, type Row, SchemaError } from '@etl/core';

/** One Hive partition: where its files go and which values put a row there. */
export interface HivePartition {
  /** Dense number (0, 1, …) in the order partitions were first seen by this partitioner. */
  readonly id: number;
  /** Relative directory, e.g. `product_id=BTC-USD/date=2025-11-26`; `''` without partition columns. */
  readonly dir: string;
  /** Partition column → raw (unescaped) value as a string; null for null, undefined or empty. */
  readonly values: Readonly<Record<string, string | null>>;
  /** True when a segment was too long and was cut short with a hash (see {@link HivePartitioner}). */
  readonly truncated: boolean;
}

export interface HivePartitionerOptions {
  /**
   * Longest `key=value` directory name in UTF-8 bytes (default 200; filesystems cap a name at 255).
   */
  readonly maxSegmentBytes?: number;
  /**
   * Called once for each distinct raw value of a partition column before it is used; throw to
   * reject it. The writer checks values against the schema here.
   */
  readonly checkValue?: (column: string, value: unknown) => void;
}

/** Length of the hex hash that replaces the cut-off tail of an over-long segment. */
const HASH_HEX_CHARS = 16;
const DEFAULT_MAX_SEGMENT_BYTES = 200;

interface Level {
  readonly segments: string[];
  readonly values: (string | null)[];
  truncated: boolean;
  readonly children: Map<unknown, Level | HivePartition>;
}

function rawString(column: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      throw new SchemaError(`partition column ${column} must hold a scalar value, got ${typeof value}`);
  }
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Maps rows to Hive partition directories. Values are escaped the Spark way (core
 * `partitionSegment`: `%XX` for `/ = % : ? *` and friends, `__HIVE_DEFAULT_PARTITION__` for null
 * or empty), so no value can add a path level or climb out of the dataset directory.
 *
 * A `key=value` segment longer than `maxSegmentBytes` keeps as much of the escaped value as fits
 * and ends in `~` plus the first 16 hex digits of the SHA-256 of the raw value: distinct values
 * stay in distinct directories, but readers that take values from paths see the shortened value
 * (the write session then stores the true value in the partition's files as well).
 *
 * Lookups walk one `Map` per partition column keyed by the raw value, so routing a row costs a few
 * hash lookups and allocates nothing once its partition has been seen.
 */
export class HivePartitioner {
  readonly columns: readonly string[];
  private readonly maxSegmentBytes: number;
  private readonly checkValue: ((column: string, value: unknown) => void) | undefined;
  private readonly root: Level = { segments: [], values: [], truncated: false, children: new Map() };
  private readonly byDir = new Map<string, HivePartition>();
  private readonly single: HivePartition | undefined;
  private readonly lastValues: unknown[] = [];
  private lastPartition: HivePartition | undefined;

  constructor(columns: readonly string[], options: HivePartitionerOptions = {}) {
    this.maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
    this.checkValue = options.checkValue;
    const seen = new Set<string>();
    for (const column of columns) {
      if (typeof column !== 'string' || column === '') {
        throw new ConfigError('partitionCols', 'partition column names must be non-empty strings');
      }
      if (seen.has(column))
        throw new ConfigError('partitionCols', `partition column "${column}" is listed twice`);
      seen.add(column);
      // The key must leave room for a shortened value plus its hash.
      if (utf8Length(escapePartitionValue(column)) + HASH_HEX_CHARS + 8 > this.maxSegmentBytes) {
        throw new ConfigError('partitionCols', `partition column name "${column.slice(0, 40)}…" is too long`);
      }
    }
    this.columns = Object.freeze([...columns]);
    if (this.columns.length === 0) {
      this.single = Object.freeze({ id: 0, dir: '', values: Object.freeze({}), truncated: false });
      this.byDir.set('', this.single);
    }
  }

  /** Number of distinct partitions seen so far. */
  get size(): number {
    return this.byDir.size;
  }

  /** The partition of `row` (the same object every time for the same directory). */
  partitionOf(row: Row): HivePartition {
    if (this.single) return this.single;
    const columns = this.columns;
    // Consecutive rows mostly share their partition: compare with the previous row's values.
    const previous = this.lastValues;
    let same = this.lastPartition !== undefined;
    for (let i = 0; same && i < columns.length; i++) same = row[columns[i]!] === previous[i];
    if (same) return this.lastPartition!;
    const partition = this.lookup(row);
    for (let i = 0; i < columns.length; i++) previous[i] = row[columns[i]!];
    this.lastPartition = partition;
    return partition;
  }

  private lookup(row: Row): HivePartition {
    const columns = this.columns;
    const last = columns.length - 1;
    let level = this.root;
    for (let i = 0; i < last; i++) {
      const column = columns[i]!;
      const value = row[column];
      const next = level.children.get(value) as Level | undefined;
      level = next ?? this.addLevel(level, column, value);
    }
    const column = columns[last]!;
    const value = row[column];
    return (
      (level.children.get(value) as HivePartition | undefined) ?? this.addPartition(level, column, value)
    );
  }

  /** `key=value` directory name of one column value, escaped and length-capped. */
  segment(column: string, value: unknown): { segment: string; truncated: boolean } {
    const raw = rawString(column, value);
    const full = partitionSegment(column, raw);
    if (utf8Length(full) <= this.maxSegmentBytes) return { segment: full, truncated: false };
    const hash = createHash('sha256')
      .update(raw ?? '')
      .digest('hex')
      .slice(0, HASH_HEX_CHARS);
    const prefix = `${escapePartitionValue(column)}=`;
    const budget = this.maxSegmentBytes - utf8Length(prefix) - 1 - HASH_HEX_CHARS;
    const escaped = escapePartitionValue(raw);
    let kept = '';
    let bytes = 0;
    for (const ch of escaped) {
      const n = utf8Length(ch);
      if (bytes + n > budget) break;
      kept += ch;
      bytes += n;
    }
    // Never end inside a `%XX` escape: a reader would decode a broken sequence.
    const pct = kept.lastIndexOf('%');
    if (pct >= 0 && pct > kept.length - 3) kept = kept.slice(0, pct);
    return { segment: `${prefix}${kept}~${hash}`, truncated: true };
  }

  private addLevel(parent: Level, column: string, value: unknown): Level {
    this.checkValue?.(column, value);
    const { segment, truncated } = this.segment(column, value);
    const level: Level = {
      segments: [...parent.segments, segment],
      values: [...parent.values, rawString(column, value)],
      truncated: parent.truncated || truncated,
      children: new Map(),
    };
    parent.children.set(value, level);
    return level;
  }

  private addPartition(parent: Level, column: string, value: unknown): HivePartition {
    this.checkValue?.(column, value);
    const { segment, truncated } = this.segment(column, value);
    const dir = [...parent.segments, segment].join('/');
    let partition = this.byDir.get(dir);
    if (!partition) {
      const values: Record<string, string | null> = {};
      const raw = [...parent.values, rawString(column, value)];
      this.columns.forEach((c, i) => {
        values[c] = raw[i] ?? null;
      });
      partition = Object.freeze({
        id: this.byDir.size,
        dir,
        values: Object.freeze(values),
        truncated: parent.truncated || truncated,
      });
      this.byDir.set(dir, partition);
    }
    parent.children.set(value, partition);
    return partition;
  }
}
