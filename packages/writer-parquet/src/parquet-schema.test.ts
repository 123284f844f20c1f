import { col, defineSchema } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { level2Schema } from './__fixtures__/level2.js';
import { parquetElementFor, parquetSchemaFor } from './parquet-schema.js';

describe('parquetSchemaFor', () => {
  it('maps every core type to an explicit Parquet type', () => {
    const schema = defineSchema([
      col.string('s', { nullable: false }),
      col.double('d'),
      col.int32('i'),
      col.int64('l'),
      col.bool('b'),
      col.date('day'),
      col.timestamp('ns', 'ns'),
      col.timestamp('us', 'us'),
      col.timestamp('ms', 'ms', { nullable: false }),
    ]);
    expect(parquetSchemaFor(schema)).toEqual([
      { name: 'root', num_children: 9 },
      {
        name: 's',
        repetition_type: 'REQUIRED',
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      },
      { name: 'd', repetition_type: 'OPTIONAL', type: 'DOUBLE' },
      { name: 'i', repetition_type: 'OPTIONAL', type: 'INT32' },
      { name: 'l', repetition_type: 'OPTIONAL', type: 'INT64' },
      { name: 'b', repetition_type: 'OPTIONAL', type: 'BOOLEAN' },
      {
        name: 'day',
        repetition_type: 'OPTIONAL',
        type: 'INT32',
        converted_type: 'DATE',
        logical_type: { type: 'DATE' },
      },
      {
        name: 'ns',
        repetition_type: 'OPTIONAL',
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
      },
      {
        name: 'us',
        repetition_type: 'OPTIONAL',
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
      },
      {
        name: 'ms',
        repetition_type: 'REQUIRED',
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' },
      },
    ]);
  });

  it('never gives a timestamp a converted_type (that would claim UTC-adjusted)', () => {
    const element = parquetElementFor(col.timestamp('t', 'ms'));
    expect(element.converted_type).toBeUndefined();
  });

  it('drops excluded columns such as partition columns', () => {
    const elements = parquetSchemaFor(level2Schema, ['product_id', 'date', 'hour']);
    expect(elements[0]).toEqual({ name: 'root', num_children: level2Schema.fields.length - 3 });
    expect(elements.map((e) => e.name)).not.toContain('product_id');
    expect(elements.map((e) => e.name)).toContain('price_level');
    expect(elements).toHaveLength(level2Schema.fields.length - 2);
  });
});
