import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EtlError,
  errorMessage,
  InputError,
  MemoryQuarantine,
  SchemaError,
  TooManyErrorsError,
} from './errors.js';

describe('errors', () => {
  it('InputError names the file and 1-based line', () => {
    const cause = new SyntaxError('Unexpected end of JSON input');
    const error = new InputError(
      { file: 'ready/segment_20260809T21_00001.ndjson', line: 546 },
      'truncated line',
      {
        cause,
      },
    );
    expect(error.message).toBe('ready/segment_20260809T21_00001.ndjson:546: truncated line');
    expect(error.file).toBe('ready/segment_20260809T21_00001.ndjson');
    expect(error.line).toBe(546);
    expect(error.reason).toBe('truncated line');
    expect(error.code).toBe('E_INPUT');
    expect(error.name).toBe('InputError');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(EtlError);
    expect(error).toBeInstanceOf(Error);
  });

  it('ConfigError names the dotted key', () => {
    const error = new ConfigError('etl.channels.level2.partition_cols', 'expected an array of strings');
    expect(error.message).toBe('config etl.channels.level2.partition_cols: expected an array of strings');
    expect(error.key).toBe('etl.channels.level2.partition_cols');
    expect(error.code).toBe('E_CONFIG');
    expect(error.name).toBe('ConfigError');
  });

  it('SchemaError and TooManyErrorsError carry their codes', () => {
    const schema = new SchemaError('price expects a number, got string');
    expect([schema.name, schema.code, schema.message]).toEqual([
      'SchemaError',
      'E_SCHEMA',
      'price expects a number, got string',
    ]);
    const tooMany = new TooManyErrorsError('a.ndjson', 11, 10);
    expect(tooMany.message).toBe('a.ndjson: 11 bad records exceed maxErrors=10');
    expect([tooMany.file, tooMany.errors, tooMany.limit, tooMany.code]).toEqual([
      'a.ndjson',
      11,
      10,
      'E_TOO_MANY_ERRORS',
    ]);
  });

  it('EtlError subclasses report their own class name', () => {
    class CustomError extends EtlError {}
    const error = new CustomError('boom', 'E_CUSTOM');
    expect(error.name).toBe('CustomError');
    expect(error.code).toBe('E_CUSTOM');
  });

  it('errorMessage reads any thrown value', () => {
    expect(errorMessage(new Error('x'))).toBe('x');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('MemoryQuarantine keeps entries in order', () => {
    const sink = new MemoryQuarantine();
    sink.put({ file: 'a', line: 1, reason: 'bad json', raw: '{', stage: 'reader' });
    sink.put({ file: 'a', line: 7, reason: 'bad timestamp', raw: '{"t":1}', stage: 'parser' });
    expect(sink.entries.map((e) => `${e.file}:${e.line} ${e.stage}`)).toEqual(['a:1 reader', 'a:7 parser']);
  });
});
