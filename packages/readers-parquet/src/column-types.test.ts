import type { FileMetaData, SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { createParsers, fileColumnOf, fileColumnsOf } from './column-types.js';

const leaf = (e: Omit<SchemaElement, 'name'>, name = 'c'): SchemaElement => ({ name, ...e });

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
    expect(fileColumnOf(leaf({ type: 'BYTE_ARRAY' }), false).field?.type).toBe('string');
    expect(fileColumnOf(leaf({ type: 'BYTE_ARRAY', converted_type: 'JSON' }), false).field?.type).toBe(
      'string',
    );
    expect(
      fileColumnOf(leaf({ type: 'INT32', converted_type: 'DECIMAL', scale: 2, precision: 9 }), false).field
        ?.type,
    ).toBe('double');
  });

  it('widens unsigned 32-bit integers to int64', () => {
    const c = fileColumnOf(leaf({ type: 'INT32', converted_type: 'UINT_32' }), false);
    expect(c.field?.type).toBe('int64');
    expect(c.widenToBigInt).toBe(true);
  });

  it('says why a column has no core type', () => {
    expect(
      fileColumnOf(leaf({ repetition_type: 'OPTIONAL', num_children: 1 }, 'l'), true).unsupported,
    ).toMatch(/nested \(group\) column has no core column type; leave it out with the columns option/);
    expect(fileColumnOf(leaf({ type: 'INT64', converted_type: 'TIME_MICROS' }), false).unsupported).toMatch(
      /TIME/,
    );
    expect(fileColumnOf(leaf({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 4 }), false).unsupported).toMatch(
      /FIXED_LEN_BYTE_ARRAY/,
    );
    expect(fileColumnOf(leaf({ type: 'INT32', repetition_type: 'REPEATED' }), false).unsupported).toMatch(
      /repeated/,
    );
  });
});

describe('fileColumnsOf', () => {
  it('lists top-level columns and skips the children of groups', () => {
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
      ['l', 'unsupported'],
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
