/**
 * Copies a row's values into a partition's column buffers. The function is generated once per
 * session, with one literal property read per column (`row["price_level"]`) and the common case
 * of each type stored straight into the column's typed array: a loop over column names would
 * make the property read megamorphic, and a method call per value costs more than the store.
 * Nulls, new strings, dates and values that do not fit go through the column's own `set`.
 */
import type { Field, Row } from '@etl/core';
import type { ColumnBuffer } from './column-buffer.js';

/**
 * Stores `row` at `index` (the caller has made room with `ensureCapacity`); returns -1, or the
 * position of the first column whose value does not fit.
 */
export type RowAppender = (row: Row, columns: readonly ColumnBuffer[], index: number) => number;

/** The condition under which a value of `field` can be stored as it is, or undefined. */
function directTest(field: Field): string | undefined {
  switch (field.type) {
    case 'double':
      return `typeof v === 'number'`;
    case 'int32':
      return `typeof v === 'number' && (v | 0) === v`;
    case 'int64':
    case 'timestamp':
      return `typeof v === 'bigint' && v >= -9223372036854775808n && v <= 9223372036854775807n`;
    case 'bool':
      return `typeof v === 'boolean'`;
    default:
      return undefined;
  }
}

export function compileRowAppender(fields: readonly Field[]): RowAppender {
  const lines = ['let v; let c;'];
  fields.forEach((field, i) => {
    // Names are embedded as JSON string literals, so no column name can inject code.
    lines.push(`v = row[${JSON.stringify(field.name)}]; c = columns[${i}];`);
    if (field.type === 'string') {
      // Consecutive rows mostly repeat the previous string: its index is stored without a call.
      const valid = field.nullable ? ' c.valid[index] = 1;' : '';
      lines.push(
        `if (typeof v === 'string' && v === c.last) { c.data[index] = c.lastIndex;${valid} } else if (!c.set(index, v)) return ${i};`,
      );
      return;
    }
    const test = directTest(field);
    if (test === undefined) {
      lines.push(`if (!c.set(index, v)) return ${i};`);
      return;
    }
    const value = field.type === 'bool' ? '(v ? 1 : 0)' : 'v';
    const valid = field.nullable ? ' c.valid[index] = 1;' : '';
    lines.push(`if (${test}) { c.data[index] = ${value};${valid} } else if (!c.set(index, v)) return ${i};`);
  });
  lines.push('return -1;');
  // The URL names the generated code in profiles and stack traces.
  lines.push('//# sourceURL=parquet-row-appender.js');
  return new Function('row', 'columns', 'index', lines.join('\n')) as RowAppender;
}

/**
 * Partition values of a row, read with literal property names like the appender's reads:
 * `samePartition` tells whether a row has the values `readPartition` last stored, so a run of
 * rows of one partition is routed without the partitioner's lookups.
 */
export interface PartitionKeys {
  readonly samePartition: (row: Row, values: unknown[]) => boolean;
  readonly readPartition: (row: Row, values: unknown[]) => void;
  readonly lastValues: unknown[];
}

export function compilePartitionKeys(columns: readonly string[]): PartitionKeys {
  const reads = columns.map((c) => `row[${JSON.stringify(c)}]`);
  const same = reads.length === 0 ? 'true' : reads.map((r, i) => `${r} === values[${i}]`).join(' && ');
  return {
    samePartition: new Function('row', 'values', `return ${same};`) as PartitionKeys['samePartition'],
    readPartition: new Function(
      'row',
      'values',
      reads.map((r, i) => `values[${i}] = ${r};`).join('\n'),
    ) as PartitionKeys['readPartition'],
    lastValues: [],
  };
}
