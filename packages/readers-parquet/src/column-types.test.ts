import { describeType } from '@etl/core';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { createParsers, type FileColumn, leafColumnOf } from './column-types.js';
import { fileColumnsOf } from './nested-columns.js';

const leaf = (e: Omit<SchemaElement, 'name'>, name = 'c'): SchemaElement => ({ name, ...e });

/** A top-level column of a one-column file made of `elements` (the column's subtree). */
function fileColumnOf(e: SchemaElement | SchemaElement[], _nested?: boolean): FileColumn {
  const elements = Array.isArray(e) ? e : [e];
  const metadata = { schema: [{ name: 'root', num_children: 1 }, ...elements] } as unknown as FileMetaData;
  return fileColumnsOf(metadata)[0]!;
}

describe('fileColumnOf', () => {
  it('maps the types our writer and DuckDB write to core types', () => {
    const ts = fileColumnOf(
      leaf({
        type: 'INT64',
        repetition_type: 'REQUIRED',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
      }),
      false,
    );
    expect(ts.field).toMatchObject({ type: 'timestamp', unit: 'ns', nullable: false });
    expect(
      fileColumnOf(
        leaf({ type: 'INT64', converted_type: 'TIMESTAMP_MICROS', repetition_type: 'OPTIONAL' }),
        false,
      ).field,
    ).toMatchObject({ type: 'timestamp', unit: 'us', nullable: true });
    expect(fileColumnOf(leaf({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }), false).field?.unit).toBe(
      'ms',
    );
    expect(fileColumnOf(leaf({ type: 'INT96' }), false).field).toMatchObject({
      type: 'timestamp',
      unit: 'ns',
    });
    expect(fileColumnOf(leaf({ type: 'INT64' }), false).field?.type).toBe('int64');
    expect(fileColumnOf(leaf({ type: 'INT32' }), false).field?.type).toBe('int32');
    expect(fileColumnOf(leaf({ type: 'INT32', converted_type: 'DATE' }), false).field?.type).toBe('date');
    expect(fileColumnOf(leaf({ type: 'DOUBLE' }), false).field?.type).toBe('double');
    expect(fileColumnOf(leaf({ type: 'FLOAT' }), false).field?.type).toBe('double');
    expect(fileColumnOf(leaf({ type: 'BOOLEAN' }), false).field?.type).toBe('bool');
    expect(fileColumnOf(leaf({ type: 'BYTE_ARRAY', converted_type: 'UTF8' }), false).field?.type).toBe(
      'string',
    );
    expect(fileColumnOf(leaf({ type: 'BYTE_ARRAY' }), false).field?.type).toBe('binary');
    expect(leafColumnOf(leaf({ type: 'BYTE_ARRAY' }), {}, { binaryAsString: true }).field?.type).toBe(
      'string',
    );
    expect(fileColumnOf(leaf({ type: 'BYTE_ARRAY', converted_type: 'JSON' }), false).field?.type).toBe(
      'string',
    );
    const decimal = fileColumnOf(leaf({ type: 'INT32', converted_type: 'DECIMAL', scale: 2, precision: 9 }));
    expect(decimal.field).toMatchObject({ type: 'decimal', precision: 9, scale: 2 });
    expect(decimal.convert?.(-1234)).toBe('-12.34');
    const flba = fileColumnOf(
      leaf({
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        logical_type: { type: 'DECIMAL', precision: 38, scale: 3 },
      }),
    );
    expect(flba.field).toMatchObject({ type: 'decimal', precision: 38, scale: 3 });
    expect(flba.convert?.(Uint8Array.from([0xff, 0xff, 0xfe]))).toBe('-0.002');
    expect(fileColumnOf(leaf({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 4 })).field?.type).toBe('binary');
    expect(
      fileColumnOf(leaf({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } }))
        .field?.type,
    ).toBe('string');
    expect(
      fileColumnOf(leaf({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 2, logical_type: { type: 'FLOAT16' } }))
        .field?.type,
    ).toBe('double');
    const e = fileColumnOf(leaf({ type: 'BYTE_ARRAY', converted_type: 'ENUM' }));
    expect(e.field?.type).toBe('string');
    expect(e.convert?.(new TextEncoder().encode('BUY'))).toBe('BUY');
  });

  it('widens unsigned 32-bit integers to int64', () => {
    const c = fileColumnOf(leaf({ type: 'INT32', converted_type: 'UINT_32' }), false);
    expect(c.field?.type).toBe('int64');
    expect(c.convert?.(4000000000)).toBe(4000000000n);
    expect(c.convert?.(null)).toBeNull();
  });

  it('says why a column has no core type, naming the nested field', () => {
    expect(fileColumnOf(leaf({ type: 'INT64', converted_type: 'TIME_MICROS' }), false).unsupported).toBe(
      'TIME has no core column type; leave it out with the columns option',
    );
    expect(
      fileColumnOf(leaf({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 12, converted_type: 'INTERVAL' }))
        .unsupported,
    ).toMatch(/^INTERVAL has no core column type/);
    expect(
      fileColumnOf([
        { name: 's', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: 't', type: 'INT64', converted_type: 'TIME_MICROS' },
      ]).unsupported,
    ).toBe('its field t: TIME has no core column type; leave it out with the columns option');
    expect(
      fileColumnOf([
        { name: 'm', repetition_type: 'REQUIRED', converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'key', type: 'INT32', repetition_type: 'REQUIRED' },
      ]).unsupported,
    ).toMatch(/^a MAP without one key and one value field/);
    expect(
      fileColumnOf([
        { name: 's', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: '__proto__', type: 'INT32', repetition_type: 'OPTIONAL' },
      ]).unsupported,
    ).toMatch(/^a struct with a field named __proto__ has no core column type/);
  });
});

describe('nested columns', () => {
  const typeOf = (elements: SchemaElement[]) => {
    const c = fileColumnOf(elements);
    return c.field ? `${describeType(c.field)}${c.field.nullable ? '' : ' not null'}` : c.unsupported;
  };

  it('maps modern and legacy list layouts to lists of the element type', () => {
    // Three-level list: LIST group, repeated `list`, the element inside.
    expect(
      typeOf([
        { name: 'l', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'INT64', repetition_type: 'OPTIONAL' },
      ]),
    ).toBe('list<int64>');
    // Two-level list: the repeated field is the element.
    expect(
      typeOf([
        { name: 'l', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
        { name: 'item', type: 'INT32', repetition_type: 'REPEATED' },
      ]),
    ).toBe('list<int32> not null');
    // A repeated one-field group named `array` is itself the element (a struct).
    expect(
      typeOf([
        { name: 'l', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'array', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'x', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      ]),
    ).toBe('list<struct<x: double>>');
    // A repeated field without annotation is a list that is never null.
    expect(
      typeOf([{ name: 'r', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REPEATED' }]),
    ).toBe('list<string> not null');
  });

  it('maps MAP groups to key/value entries and plain groups to structs', () => {
    expect(
      typeOf([
        { name: 'm', repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', converted_type: 'MAP_KEY_VALUE', num_children: 2 },
        { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        {
          name: 'value',
          type: 'INT32',
          converted_type: 'DECIMAL',
          precision: 4,
          scale: 1,
          repetition_type: 'OPTIONAL',
        },
      ]),
    ).toBe('map<string, decimal(4,1)>');
    expect(
      typeOf([
        { name: 's', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'a', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'b', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      ]),
    ).toBe('struct<a: int64, b: binary>');
  });

  it('turns what hyparquet assembles without LIST/MAP annotations into documented values', () => {
    const list = fileColumnOf([
      { name: 'l', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      {
        name: 'element',
        type: 'INT32',
        converted_type: 'DECIMAL',
        precision: 4,
        scale: 2,
        repetition_type: 'OPTIONAL',
      },
    ]);
    expect(list.convert?.({ list: [{ element: 1234 }, {}, { element: -5 }] })).toEqual([
      '12.34',
      null,
      '-0.05',
    ]);
    expect(list.convert?.({})).toEqual([]);
    expect(list.convert?.(undefined)).toBeNull();
    const map = fileColumnOf([
      { name: 'm', repetition_type: 'REQUIRED', converted_type: 'MAP', num_children: 1 },
      { name: 'kv', repetition_type: 'REPEATED', num_children: 2 },
      { name: 'k', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'v', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
    ]);
    expect(map.convert?.({ kv: [{ k: 1, v: true }, { k: 1 }] })).toEqual([
      { key: 1, value: true },
      { key: 1, value: null },
    ]);
    const repeated = fileColumnOf([{ name: 'r', type: 'INT32', repetition_type: 'REPEATED' }]);
    expect(repeated.convert?.(null)).toEqual([]);
    expect(repeated.convert?.([1, 2])).toEqual([1, 2]);
  });
});

describe('fileColumnsOf', () => {
  it('lists top-level columns, nested ones as one column each', () => {
    const metadata = {
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'a', type: 'INT64' },
        { name: 'l', num_children: 1 },
        { name: 'list', num_children: 1, repetition_type: 'REPEATED' },
        { name: 'element', type: 'INT32' },
        { name: 'b', type: 'DOUBLE' },
      ],
    } as unknown as FileMetaData;
    expect(fileColumnsOf(metadata).map((c) => [c.name, c.field?.type ?? 'unsupported'])).toEqual([
      ['a', 'int64'],
      ['l', 'struct'],
      ['b', 'double'],
    ]);
  });
});

describe('createParsers', () => {
  it('keeps timestamps as exact bigint and formats dates as YYYY-MM-DD', () => {
    const p = createParsers();
    expect(p.timestampFromNanoseconds?.(1786309548123456789n)).toBe(1786309548123456789n);
    expect(p.timestampFromMicroseconds?.(1786309548123456n)).toBe(1786309548123456n);
    expect(p.timestampFromMilliseconds?.(1786309548123n)).toBe(1786309548123n);
    expect(p.dateFromDays?.(20674)).toBe('2026-08-09');
    expect(p.dateFromDays?.(20674)).toBe('2026-08-09');
    expect(p.dateFromDays?.(0)).toBe('1970-01-01');
    expect(p.dateFromDays?.(-1)).toBe('1969-12-31');
    expect(p.jsonFromBytes?.(new TextEncoder().encode('{"a":1}'))).toBe('{"a":1}');
  });
});
