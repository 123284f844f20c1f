import { describe, expect, it } from 'vitest';
import { JsonLinesReader, type ReaderBug, writeJsonLines } from './__fixtures__/readers.js';
import {
  checkReaderConformance,
  READER_CHECKS,
  type ReaderConformanceOptions,
} from './reader-conformance.js';
import { testReader } from './vitest.js';

const BATCH_SIZE = 64;

const options = (bug?: ReaderBug): ReaderConformanceOptions =>
  ({
    create: () => new JsonLinesReader(BATCH_SIZE, bug),
    write: (records, _schema, dir) => writeJsonLines(records, dir),
    batchSize: BATCH_SIZE,
  }) satisfies ReaderConformanceOptions;

async function failures(bug: ReaderBug): Promise<Record<string, string>> {
  const report = await checkReaderConformance(options(bug));
  expect([...report.passed, ...report.failures.map((f) => f.check)].sort()).toEqual(
    [...READER_CHECKS].sort(),
  );
  return Object.fromEntries(report.failures.map((f) => [f.check, f.detail]));
}

testReader('a JSON-lines reader', options());

describe('checkReaderConformance: each broken reader fails its check', () => {
  it('a file left open after an early return', async () => {
    expect(await failures('leaks the file on early return')).toEqual({
      'early return releases the input':
        'stopping after the first batch (return(), as a for-await break does) left 1 file descriptor(s) open',
    });
  });

  it('an empty batch', async () => {
    const failed = await failures('yields an empty last batch');
    expect(failed.batches).toBe('batch 16 of 17 is empty: yield only batches with records');
    // An empty input then yields a batch too.
    expect(failed['empty input']).toBe('an empty input yielded 1 batch(es): [[]]');
  });

  it('batches larger than batchSize', async () => {
    expect(await failures('ignores batchSize')).toEqual({
      batches: 'batch 0 holds 128 records, more than batchSize=64',
    });
  });

  it('a record lost', async () => {
    const failed = await failures('drops the last record');
    expect(failed['records in order']).toMatch(
      /^the records read differ from those written \(written vs read\): /,
    );
    expect(failed.stats).toBe(
      'after reading 999 valid records, stats() differ (expected vs actual): .recordsIn: 999 vs 1000',
    );
  });

  it('stats that are not cumulative', async () => {
    expect(await failures('resets stats on every read')).toEqual({
      'read twice':
        'stats().recordsOut after two reads of 1000 records is 1000, expected 2000 (stats are cumulative)',
    });
  });

  it('bytes not counted', async () => {
    expect((await failures('counts no bytes')).stats).toMatch(
      /^stats\(\)\.bytesIn after the read is 0, expected \d+$/,
    );
  });

  it('a missing input read as empty, or failing without its path', async () => {
    expect((await failures('says nothing for a missing input'))['missing input']).toMatch(
      /^reading a missing input \(.*no-such-input\) yielded no error$/,
    );
    expect(await failures('does not name a missing input')).toEqual({
      'missing input': 'reading a missing input failed without naming it: input not found',
    });
  });

  it('reports a factory that makes no reader instead of throwing', async () => {
    const report = await checkReaderConformance({ ...options(), create: () => ({}) as never });
    expect(report.passed).toEqual([]);
    expect(report.failures[0]).toEqual({
      check: 'records in order',
      detail: 'create() returned {}, which is not a reader',
    });
  });
});
