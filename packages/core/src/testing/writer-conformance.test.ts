import { describe, expect, it } from 'vitest';
import { JsonLinesWriter, readJsonLines, type WriterBug } from './__fixtures__/writers.js';
import { testWriter } from './vitest.js';
import {
  checkWriterConformance,
  WRITER_CHECKS,
  type WriterConformanceOptions,
} from './writer-conformance.js';

const options = (bug?: WriterBug): WriterConformanceOptions => ({
  create: ({ quarantine }) => new JsonLinesWriter(quarantine, bug),
  readBack: (file) => readJsonLines(file),
  quarantine: true,
});

async function failures(bug: WriterBug): Promise<Record<string, string>> {
  const report = await checkWriterConformance(options(bug));
  expect([...report.passed, ...report.failures.map((f) => f.check)].sort()).toEqual(
    [...WRITER_CHECKS].sort(),
  );
  return Object.fromEntries(report.failures.map((f) => [f.check, f.detail]));
}

testWriter('a JSON-lines writer', options());

describe('checkWriterConformance: each broken writer fails its check', () => {
  it('raw partition values in paths', async () => {
    const failed = await failures('puts raw values in partition paths');
    // `a/b` adds a directory level (the `product_id=` prefix keeps `..` from climbing here).
    expect(failed['hive partitions']).toMatch(
      /product_id=\.\.\/x\/part-seg-1\.jsonl is not one product_id=<value> directory below the dataset/,
    );
  });

  it('files left after abort', async () => {
    const failed = await failures('leaves files after abort');
    expect(Object.keys(failed)).toEqual(['abort']);
    expect(failed.abort).toMatch(/^abort\(\) left 9 file\(s\): .*\.part-[0-9a-f]+\.jsonl\.tmp/);
  });

  it('published though deferred', async () => {
    const failed = await failures('publishes though deferred');
    expect(failed).toEqual({
      'deferred publish': expect.stringMatching(/has no tempPath though publishing was deferred$/),
    });
  });

  it('rows that do not fit accepted', async () => {
    const failed = await failures('accepts rows that do not fit');
    expect(failed).toEqual({
      'rows that do not fit': 'without a quarantine, write() accepted a string in a double column',
    });
  });

  it('bytes miscounted', async () => {
    const failed = await failures('counts characters as bytes');
    expect(failed['write and close']).toMatch(/part-seg-1\.jsonl holds 36334 bytes, the result says 36184$/);
  });

  it('a second write of an input adds files instead of replacing them', async () => {
    const failed = await failures('adds files when an input is written again');
    expect(failed).toEqual({
      'same input replaces its files': expect.stringMatching(
        /^after writing input "segment-7" again, the dataset holds other files than the second close\(\) reported/,
      ),
    });
  });

  it('reports a factory that makes no writer instead of throwing', async () => {
    const report = await checkWriterConformance({ ...options(), create: () => ({}) as never });
    expect(report.passed).toEqual([]);
    expect(report.failures[0]?.detail).toBe('create() returned {}, which is not a writer');
  });
});
