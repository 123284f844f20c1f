import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { etl, readyDir, SEGMENT } from './helpers.js';

describe('warnings name the file as the user gave it', () => {
  it('a bad line is reported at its ready/ path, not the processing/ path it was read from', async () => {
    const { ready, output } = readyDir([]);
    const name = 'segment_20260809T21_00001.ndjson';
    const lines = readFileSync(SEGMENT, 'utf8').split('\n');
    lines.splice(9, 0, '{"capture_ts": not json');
    writeFileSync(path.join(ready, name), lines.join('\n'));

    const r = await etl(['run', '--input', ready, '--output', output, '--log-level', 'warn']);

    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${path.join(ready, name)}:10`);
    expect(r.stderr).not.toContain(`${path.sep}processing${path.sep}`);
  });
});
