import { col, type Row, SchemaError } from '@etl/core';
import { describe, expect, it } from 'vitest';
import type { FileColumn } from './column-types.js';
import type { PartitionColumn } from './dataset-plan.js';
import { appendRows, convertColumns, layoutColumns, rowLayout } from './row-layout.js';

const fileColumns: FileColumn[] = [
  { name: 'ts', field: col.timestamp('ts', 'ns', { nullable: false }) },
  { name: 'product_id', field: col.string('product_id') },
  { name: 'price', field: col.double('price') },
  {
    name: 'n',
    field: col.int64('n'),
    convert: (v) => (typeof v === 'number' ? BigInt(v) : null),
  },
];
const partitionColumns: PartitionColumn[] = [
  { name: 'product_id', type: 'string', nullable: false },
  { name: 'date', type: 'date', nullable: true },
];
const file = {
  path: 'ds/product_id=BTC-USD/date=2026-08-09/p.parquet',
  partition: { product_id: 'BTC-USD', date: '2026-08-09' },
};

describe('rowLayout', () => {
  it('keeps file order, lets partition values replace same-named file columns, appends the others', () => {
    const layout = rowLayout({ file, fileColumns, partitionColumns, missingColumns: 'error' });
    expect(layout.names).toEqual(['ts', 'product_id', 'price', 'n', 'date']);
    expect(layout.sources).toEqual(['ts', undefined, 'price', 'n', undefined]);
    expect(layout.constants).toEqual([null, 'BTC-USD', null, null, '2026-08-09']);
    expect(layout.decode).toEqual(['ts', 'price', 'n']);
    expect([...layout.convert.keys()]).toEqual(['n']);
    expect(layout.fields.map((f) => f?.type)).toEqual(['timestamp', 'string', 'double', 'int64', 'date']);
  });

  it('uses the file column when the path lacks the partition, and null when neither has it', () => {
    const bare = { path: 'p.parquet', partition: {} };
    const layout = rowLayout({ file: bare, fileColumns, partitionColumns, missingColumns: 'error' });
    expect(layout.sources).toEqual(['ts', 'product_id', 'price', 'n', undefined]);
    expect(layout.constants.at(-1)).toBeNull();
  });

  it('follows the projection order and handles missing columns as asked', () => {
    const layout = rowLayout({
      file,
      fileColumns,
      partitionColumns,
      projection: ['date', 'price'],
      missingColumns: 'error',
    });
    expect(layout.names).toEqual(['date', 'price']);
    expect(layout.decode).toEqual(['price']);
    expect(() =>
      rowLayout({ file, fileColumns, partitionColumns, projection: ['size'], missingColumns: 'error' }),
    ).toThrow(
      new SchemaError(`${file.path}: no column size (set missingColumns: 'null' to read it as null)`),
    );
    const lenient = rowLayout({
      file,
      fileColumns,
      partitionColumns,
      projection: ['size'],
      missingColumns: 'null',
    });
    expect(lenient.constants).toEqual([null]);
    expect(lenient.fields).toEqual([undefined]);
  });
});

describe('appendRows', () => {
  it('builds one object per row from columns and constants, nulls normalised', () => {
    const layout = rowLayout({ file, fileColumns, partitionColumns, missingColumns: 'error' });
    const arrays = new Map<string, ArrayLike<unknown>>([
      ['ts', BigInt64Array.from([1n, 2n, 3n])],
      ['price', [1.5, undefined, null]],
      ['n', [4000000000, null, 7]],
    ]);
    convertColumns(arrays, layout.convert);
    const out: Row[] = [{ already: 'there' }];
    appendRows(out, layout, layoutColumns(layout, arrays), 1, 3);
    expect(out).toEqual([
      { already: 'there' },
      { ts: 2n, product_id: 'BTC-USD', price: null, n: null, date: '2026-08-09' },
      { ts: 3n, product_id: 'BTC-USD', price: null, n: 7n, date: '2026-08-09' },
    ]);
    expect(arrays.get('n')).toEqual([4000000000n, null, 7n]);
  });
});
