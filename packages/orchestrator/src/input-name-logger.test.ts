import { MemoryLogger } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { inputNameLogger } from './input-name-logger.js';

describe('inputNameLogger', () => {
  it('names the file as the user gave it in messages and string fields', () => {
    const memory = new MemoryLogger();
    const log = inputNameLogger(memory, '/raw/processing/coinbase/s.ndjson', '/raw/ready/coinbase/s.ndjson');
    log.warn('/raw/processing/coinbase/s.ndjson:7: invalid JSON', {
      file: '/raw/processing/coinbase/s.ndjson',
      line: 7,
    });
    log.info('unrelated', { file: '/elsewhere' });
    expect(memory.records).toEqual([
      {
        level: 'warn',
        message: '/raw/ready/coinbase/s.ndjson:7: invalid JSON',
        fields: { file: '/raw/ready/coinbase/s.ndjson', line: 7 },
      },
      { level: 'info', message: 'unrelated', fields: { file: '/elsewhere' } },
    ]);
  });

  it('is the logger itself when both names are the same', () => {
    const memory = new MemoryLogger();
    expect(inputNameLogger(memory, '/a', '/a')).toBe(memory);
  });
});
