import { describe, expect, it } from 'vitest';
import { ConsoleLogger } from './console-logger.js';

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('ConsoleLogger', () => {
  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const sink = new Sink();
    const logger = new ConsoleLogger('json', 'info', sink as unknown as NodeJS.WritableStream);
    logger.info('segment processed', { segment: 'segment_1.ndjson', quarantined: 0, seq: 2n ** 64n });
    logger.error('segment failed', { error: new Error('disk full') });
    const [a, b] = sink.lines.map((l) => JSON.parse(l));
    expect(a).toEqual({
      time: expect.stringMatching(ISO),
      level: 'info',
      msg: 'segment processed',
      segment: 'segment_1.ndjson',
      quarantined: 0,
      seq: '18446744073709551616',
    });
    expect(b).toMatchObject({ level: 'error', msg: 'segment failed', error: 'disk full' });
  });

  it('writes logfmt-style text lines, quoting values with spaces, below the level nothing', () => {
    const sink = new Sink();
    const logger = new ConsoleLogger('text', 'warn', sink as unknown as NodeJS.WritableStream, {
      timestamps: false,
    });
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('level2: stale checkpoint', {
      why: 'sequence went back from 1028 to 0',
      product: 'BTC-USD',
      empty: '',
      n: 3,
      skipped: undefined,
    });
    expect(sink.lines).toEqual([
      'warn  level2: stale checkpoint why="sequence went back from 1028 to 0" product=BTC-USD empty="" n=3',
    ]);
  });

  it('prefixes text lines with the time by default and clears the progress bar first', () => {
    const sink = new Sink();
    const logger = new ConsoleLogger('text', 'debug', sink as unknown as NodeJS.WritableStream, {
      beforeWrite: () => sink.write('<clear>'),
    });
    logger.debug('x');
    const [time, rest] = [sink.text.slice(7, 31), sink.text.slice(32)];
    expect(sink.text.startsWith('<clear>')).toBe(true);
    expect(time).toMatch(ISO);
    expect(rest).toBe('debug x\n');
  });

  it('does not repeat in text the path and reason the message already shows', () => {
    const sink = new Sink();
    const logger = new ConsoleLogger('text', 'info', sink as unknown as NodeJS.WritableStream, {
      timestamps: false,
    });
    const reason = 'invalid JSON: Unexpected token';
    logger.warn(`ready/a.ndjson:5: ${reason}`, { file: 'ready/a.ndjson', line: 5, reason, stage: 'reader' });
    expect(sink.lines).toEqual([`warn  ready/a.ndjson:5: ${reason} stage=reader`]);
    const json = new Sink();
    new ConsoleLogger('json', 'info', json as unknown as NodeJS.WritableStream).warn('a.ndjson:5: bad', {
      file: 'a.ndjson',
      line: 5,
    });
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ msg: 'a.ndjson:5: bad', file: 'a.ndjson', line: 5 });
  });

  it('rewords the message and text fields when asked', () => {
    const sink = new Sink();
    const logger = new ConsoleLogger('text', 'info', sink as unknown as NodeJS.WritableStream, {
      timestamps: false,
      reword: (t) => t.replace('maxErrors=1', 'etl.max_errors=1'),
    });
    logger.warn('segment failed', { error: 'x: 2 bad records exceed maxErrors=1' });
    expect(sink.lines).toEqual(['warn  segment failed error="x: 2 bad records exceed etl.max_errors=1"']);
  });
});
