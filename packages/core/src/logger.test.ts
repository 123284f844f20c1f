import { describe, expect, it } from 'vitest';
import { filterLogger, LOG_LEVELS, MemoryLogger, silentLogger } from './logger.js';

describe('logger', () => {
  it('LOG_LEVELS are ordered from least to most severe', () => {
    expect(LOG_LEVELS).toEqual(['debug', 'info', 'warn', 'error']);
  });

  it('MemoryLogger records level, message and fields (fields only when given)', () => {
    const log = new MemoryLogger();
    log.debug('d');
    log.info('i', { rows: 3 });
    log.warn('w');
    log.error('e', { file: 'a.ndjson', line: 2 });
    expect(log.records).toEqual([
      { level: 'debug', message: 'd' },
      { level: 'info', message: 'i', fields: { rows: 3 } },
      { level: 'warn', message: 'w' },
      { level: 'error', message: 'e', fields: { file: 'a.ndjson', line: 2 } },
    ]);
    expect('fields' in (log.records[0] ?? {})).toBe(false);
  });

  it('filterLogger keeps messages at the level and above', () => {
    const expectations: [(typeof LOG_LEVELS)[number], string[]][] = [
      ['debug', ['debug', 'info', 'warn', 'error']],
      ['info', ['info', 'warn', 'error']],
      ['warn', ['warn', 'error']],
      ['error', ['error']],
    ];
    for (const [level, kept] of expectations) {
      const sink = new MemoryLogger();
      const log = filterLogger(sink, level);
      log.debug('debug');
      log.info('info', { n: 1 });
      log.warn('warn');
      log.error('error');
      expect(
        sink.records.map((r) => r.message),
        level,
      ).toEqual(kept);
    }
  });

  it('filterLogger passes fields through and keeps `this` of class loggers', () => {
    const sink = new MemoryLogger();
    filterLogger(sink, 'info').info('rows written', { rows: 10 });
    expect(sink.records).toEqual([{ level: 'info', message: 'rows written', fields: { rows: 10 } }]);
  });

  it('silentLogger drops everything and cannot be changed', () => {
    expect(silentLogger.info('x', { a: 1 })).toBeUndefined();
    expect(Object.isFrozen(silentLogger)).toBe(true);
  });
});
