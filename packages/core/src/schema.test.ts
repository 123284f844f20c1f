import { describe, expect, it } from 'vitest';
import {
  checkRow,
  checkValue,
  col,
  defineSchema,
  describeType,
  extendSchema,
  type Field,
  getField,
  NESTED_TYPES,
  selectFields,
} from './schema.js';

describe('col', () => {
  it('makes frozen fields, nullable unless told otherwise', () => {
    const f = col.double('price');
    expect(f).toEqual({ name: 'price', type: 'double', nullable: true });
    expect(Object.isFrozen(f)).toBe(true);
    expect(col.string('product_id', { nullable: false, dictionary: true, description: 'pair' })).toEqual({
      name: 'product_id',
      type: 'string',
      nullable: false,
      dictionary: true,
      description: 'pair',
    });
  });

  it('gives timestamps a unit, nanoseconds by default', () => {
    expect(col.timestamp('time')).toEqual({ name: 'time', type: 'timestamp', nullable: true, unit: 'ns' });
    expect(col.timestamp('t', 'us', { nullable: false })).toEqual({
      name: 't',
      type: 'timestamp',
      nullable: false,
      unit: 'us',
    });
  });

  it('has a constructor for every column type', () => {
    expect([col.int32('a'), col.int64('b'), col.bool('c'), col.date('d')].map((f) => f.type)).toEqual([
      'int32',
      'int64',
      'bool',
      'date',
    ]);
  });
});

describe('defineSchema', () => {
  it('keeps fields in order and freezes the schema', () => {
    const schema = defineSchema([col.string('a'), col.double('b')]);
    expect(schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(Object.isFrozen(schema)).toBe(true);
    expect(Object.isFrozen(schema.fields)).toBe(true);
  });

  it('does not share the caller array', () => {
    const fields = [col.string('a')];
    const schema = defineSchema(fields);
    fields.push(col.string('b'));
    expect(schema.fields).toHaveLength(1);
  });

  it('rejects duplicate and empty names and unitless timestamps', () => {
    expect(() => defineSchema([col.string('a'), col.double('a')])).toThrow(
      'schema field "a" is declared twice',
    );
    expect(() => defineSchema([col.string('')])).toThrow('schema field name must not be empty');
    const unitless: Field = { name: 'ts', type: 'timestamp', nullable: true };
    expect(() => defineSchema([unitless])).toThrow('timestamp field "ts" needs a unit');
  });
});

describe('extendSchema, getField, selectFields', () => {
  const base = defineSchema([col.string('a'), col.double('b'), col.int64('c')]);

  it('appends new fields and replaces a same-named field in place', () => {
    const extended = extendSchema(base, [col.bool('d'), col.string('b', { nullable: false })]);
    expect(extended.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'a:string',
      'b:string',
      'c:int64',
      'd:bool',
    ]);
    expect(getField(extended, 'b')?.nullable).toBe(false);
    // The original is untouched.
    expect(getField(base, 'b')?.type).toBe('double');
  });

  it('still rejects duplicates among the added fields', () => {
    expect(() => extendSchema(base, [col.bool('d'), col.bool('d')])).toThrow(
      'schema field "d" is declared twice',
    );
  });

  it('getField finds by name; selectFields keeps schema order', () => {
    expect(getField(base, 'c')).toEqual(col.int64('c'));
    expect(getField(base, 'zzz')).toBeUndefined();
    expect(selectFields(base, ['c', 'a', 'missing']).fields.map((f) => f.name)).toEqual(['a', 'c']);
  });
});

describe('checkValue', () => {
  const req = { nullable: false } as const;

  it('accepts null and undefined only for nullable fields', () => {
    expect(checkValue(col.double('x'), null)).toBeUndefined();
    expect(checkValue(col.double('x'), undefined)).toBeUndefined();
    expect(checkValue(col.double('x', req), null)).toBe('x is not nullable but got null');
    expect(checkValue(col.double('x', req), undefined)).toBe('x is not nullable but got undefined');
  });

  it('string', () => {
    expect(checkValue(col.string('s'), '')).toBeUndefined();
    expect(checkValue(col.string('s'), 1)).toBe('s expects a string, got number');
  });

  it('double accepts any number, including non-finite ones', () => {
    for (const v of [0, -1.5, 65083.67, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(checkValue(col.double('p'), v)).toBeUndefined();
    }
    expect(checkValue(col.double('p'), '65083.67')).toBe('p expects a number, got string');
    expect(checkValue(col.double('p'), 1n)).toBe('p expects a number, got bigint');
  });

  it('int32 checks integrality and the full signed 32-bit range', () => {
    for (const v of [0, 1, -1, 2147483647, -2147483648])
      expect(checkValue(col.int32('n'), v), String(v)).toBeUndefined();
    expect(checkValue(col.int32('n'), 2147483648)).toBe('n expects a 32-bit integer, got 2147483648');
    expect(checkValue(col.int32('n'), -2147483649)).toBe('n expects a 32-bit integer, got -2147483649');
    expect(checkValue(col.int32('n'), 1.5)).toBe('n expects a 32-bit integer, got 1.5');
    expect(checkValue(col.int32('n'), Number.NaN)).toBe('n expects a 32-bit integer, got NaN');
    expect(checkValue(col.int32('n'), 1n)).toBe('n expects a 32-bit integer, got 1');
    expect(checkValue(col.int32('n'), '1')).toBe('n expects a 32-bit integer, got 1');
  });

  it('int64 and timestamp take bigint only', () => {
    expect(checkValue(col.int64('seq'), 9007199254740993n)).toBeUndefined();
    expect(checkValue(col.int64('seq'), 5)).toBe('seq expects a bigint, got number');
    expect(checkValue(col.timestamp('t'), -1n)).toBeUndefined();
    expect(checkValue(col.timestamp('t'), new Date(0))).toBe('t expects a bigint, got object');
    expect(checkValue(col.timestamp('t'), '2024-01-01T00:00:00Z')).toBe('t expects a bigint, got string');
  });

  it('bool', () => {
    expect(checkValue(col.bool('b'), false)).toBeUndefined();
    expect(checkValue(col.bool('b'), 0)).toBe('b expects a boolean, got number');
  });

  it("date takes a valid 'YYYY-MM-DD' calendar date", () => {
    for (const v of ['2024-02-29', '2000-02-29', '1970-01-01', '9999-12-31']) {
      expect(checkValue(col.date('d'), v), v).toBeUndefined();
    }
    for (const v of [
      '2024-2-29',
      '2024-02-29T00:00:00Z',
      '20240229',
      '2023-02-29',
      '2100-02-29',
      '2024-13-01',
      'nan',
    ]) {
      expect(checkValue(col.date('d'), v), v).toBe(`d expects a 'YYYY-MM-DD' string, got ${v}`);
    }
    expect(checkValue(col.date('d'), 19782)).toBe("d expects a 'YYYY-MM-DD' string, got 19782");
  });
});

describe('checkRow', () => {
  const schema = defineSchema([
    col.string('product_id', { nullable: false }),
    col.double('price', { nullable: false }),
    col.int64('sequence_num'),
    col.timestamp('time', 'ns', { nullable: false }),
  ]);

  it('returns no problems for a fitting row, absent nullable fields and extra columns included', () => {
    expect(checkRow(schema, { product_id: 'BTC-USD', price: 65083.67, time: 1n, extra: 'ignored' })).toEqual(
      [],
    );
  });

  it('lists every problem in schema order', () => {
    expect(checkRow(schema, { product_id: 1, price: '65083.67', sequence_num: 5 })).toEqual([
      'product_id expects a string, got number',
      'price expects a number, got string',
      'sequence_num expects a bigint, got number',
      'time is not nullable but got undefined',
    ]);
  });
});

describe('columns read from other tools: decimal, binary, list, struct, map', () => {
  const book = col.list(
    'bids',
    col.struct('element', [col.decimal('price', 18, 2, { nullable: false }), col.double('size')], {
      nullable: false,
    }),
  );
  const tags = col.map('tags', col.string('key', { nullable: false }), col.binary('value'));

  it('describes nested and decimal types and validates their shape', () => {
    expect(describeType(book)).toBe('list<struct<price: decimal(18,2), size: double>>');
    expect(describeType(tags)).toBe('map<string, binary>');
    expect(describeType(col.timestamp('t', 'us'))).toBe('timestamp(us)');
    expect(NESTED_TYPES).toEqual(['list', 'struct', 'map']);
    expect(defineSchema([book, tags]).fields.map((f) => f.type)).toEqual(['list', 'map']);
    expect(() => defineSchema([{ name: 'l', type: 'list', nullable: true }])).toThrow(
      'list field "l" needs 1 child field',
    );
    expect(() => defineSchema([{ name: 's', type: 'struct', nullable: true, children: [] }])).toThrow(
      'struct field "s" needs at least one child field',
    );
    expect(() => defineSchema([{ name: 'd', type: 'decimal', nullable: true, precision: 9 }])).toThrow(
      /decimal field "d" needs an integer precision/,
    );
    expect(() =>
      defineSchema([col.list('l', { name: 'element', type: 'timestamp', nullable: true })]),
    ).toThrow('timestamp field "element" needs a unit');
  });

  it('checks values item by item, naming where they do not fit', () => {
    expect(
      checkValue(book, [
        { price: '65000.10', size: 0.5 },
        { price: '-1.00', size: null },
      ]),
    ).toBeUndefined();
    expect(checkValue(book, [{ price: '65000.1', size: 0.5 }])).toBe(
      'bids[0]: element.price expects 2 digits after the point, got 65000.1',
    );
    expect(checkValue(book, [{ price: null, size: 1 }])).toBe(
      'bids[0]: element.price is not nullable but got null',
    );
    expect(checkValue(book, 'not a list')).toBe('bids expects an array, got string');
    expect(
      checkValue(tags, [
        { key: 'a', value: Uint8Array.of(1) },
        { key: 'b', value: null },
      ]),
    ).toBeUndefined();
    expect(checkValue(tags, [{ key: 'a', value: 'text' }])).toBe(
      'tags[0]: value expects a Uint8Array, got string',
    );
    expect(checkValue(tags, { a: 1 })).toBe('tags expects an array of {key, value} entries');
    expect(checkValue(col.decimal('d', 38, 0), '12345678901234567890123456789012345678')).toBeUndefined();
    expect(checkValue(col.decimal('d', 4, 1), 12.5)).toBe(
      "d expects a decimal string such as '-12.30', got 12.5",
    );
    expect(checkValue(col.struct('s', [col.int64('a')]), new Map())).toBe(
      's expects a plain object, got object',
    );
  });
});
