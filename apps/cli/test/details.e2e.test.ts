/** Small things a user notices on the first hour (exit codes, hints, counts, log lines). */
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { etl, readyDir } from './helpers.js';

const SAMPLE = path.resolve(
  import.meta.dirname,
  '../../../tooling/fixtures/sample/ready/coinbase/segment_20260809T21_00001.ndjson',
);
const README = path.resolve(import.meta.dirname, '../README.md');

describe('first-hour details', () => {
  it('etl inspect on a file that is not Parquet exits 2 naming that file', async () => {
    const r = await etl(['inspect', README]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `etl: ${README} is not a Parquet file (no PAR1 header): name a .parquet file or a directory of them\n`,
    );
  });

  it("etl query over no output says what to do in one line, without DuckDB's catalog guess", async () => {
    const { root } = readyDir([]);
    const empty = path.join(root, 'processed');
    mkdirSync(empty);
    const r = await etl(['query', 'SELECT count(*) FROM level2', '--output', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `etl: no datasets under ${empty}, so no table level2: pass --output <processed-dir> (the directory \`etl run --output\` wrote)\n`,
    );
    expect(r.stderr).not.toContain('sqlite_temp_master');
  });

  it('bytes_in is the size of the input file', async () => {
    const { ready, output } = readyDir([SAMPLE]);
    const size = statSync(path.join(ready, path.basename(SAMPLE))).size;
    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).bytes_in).toBe(size);
  });

  it('a quarantine warning says path and reason once', async () => {
    const { ready, output } = readyDir([SAMPLE]);
    appendFileSync(path.join(ready, path.basename(SAMPLE)), 'not json\n');
    const r = await etl(['run', '--input', ready, '--output', output, '--quiet']);
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => / warn /.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/segment_20260809T21_00001\.ndjson:547: invalid JSON: /);
    expect(warnings[0]!.match(/segment_20260809T21_00001\.ndjson/g)).toHaveLength(1);
    expect(warnings[0]!.match(/invalid JSON/g)).toHaveLength(1);
  });
});
