import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stageDir } from '@etl/orchestrator/internal';
import { describe, expect, it } from 'vitest';
import { etl, readyDir, SEGMENT } from './helpers.js';
import { tree } from './tree.js';

const NAME = path.basename(SEGMENT);

/** A ready/ whose segment has one bad line, failed by `--max-errors 0` (or `etl.max_errors: 0`). */
async function failedSegment(viaConfig = false) {
  const dirs = readyDir([SEGMENT]);
  appendFileSync(path.join(dirs.ready, NAME), 'not json\n');
  const original = readFileSync(path.join(dirs.ready, NAME));
  const config = path.join(dirs.root, 'etl.yaml');
  writeFileSync(config, 'etl:\n  max_errors: 0\n');
  const limit = viaConfig ? ['--config', config] : ['--max-errors', '0'];
  const r = await etl(['run', '--input', dirs.ready, '--output', dirs.output, ...limit]);
  const failed = stageDir(dirs.ready, 'failed');
  return { ...dirs, r, failed, original };
}

describe('a failed segment names the limit as the user wrote it', () => {
  it('--max-errors 0 and etl.max_errors: 0', async () => {
    const flag = await failedSegment();
    expect(flag.r.code).toBe(1);
    expect(flag.r.stdout).toMatch(
      /FAILED segment_20260809T21_00001\.ndjson: .*1 bad records exceed --max-errors 0\n/,
    );
    expect(flag.r.stdout).not.toContain('maxErrors');
    expect(flag.r.stderr).not.toContain('maxErrors');
    const config = await failedSegment(true);
    expect(config.r.stdout).toMatch(/exceed etl\.max_errors=0\n/);
    expect(config.r.stderr).toContain('exceed etl.max_errors=0');
    expect(config.r.stderr).not.toContain('maxErrors');
  });
});

describe('etl retry', () => {
  it('moves a failed segment back to ready/, removes its report, and the next run converts it', async () => {
    const { ready, output, failed, original } = await failedSegment();
    expect(existsSync(path.join(failed, `${NAME}.error.json`))).toBe(true);
    const r = await etl(['retry', '--input', ready, 'segment_20260809T21_00001']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Moved ${NAME.replaceAll('.', '\\.')} back to ${ready} \\(it had failed: .*exceed maxErrors=0\\)\\n$`,
      ),
    );
    expect(readFileSync(path.join(ready, NAME)).equals(original)).toBe(true);
    expect(existsSync(path.join(failed, NAME))).toBe(false);
    expect(existsSync(path.join(failed, `${NAME}.error.json`))).toBe(false);
    const again = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      segments: { processed: 1, failed: 0 },
      quarantined_lines: 1,
    });
  });

  it('--all moves every failed segment; --json lists them', async () => {
    const { ready, failed } = await failedSegment();
    const r = await etl(['retry', '--input', ready, '--all', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ moved: [{ segment: NAME }], from: failed, to: ready });
    expect(existsSync(path.join(ready, NAME))).toBe(true);
    const none = await etl(['retry', '--input', ready, '--all']);
    expect(none).toMatchObject({ code: 0, stdout: `No failed segments in ${failed}.\n` });
  });

  it('refuses, moving nothing, when a name is already in ready/, unknown, or none is given', async () => {
    const { root, ready } = await failedSegment();
    writeFileSync(path.join(ready, NAME), 'a newer copy\n');
    const before = tree(root);
    const clash = await etl(['retry', '--input', ready, NAME]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toBe(
      `etl: ${NAME} already in ${ready}: nothing was moved (move or remove the copy in ready/ first)\n`,
    );
    const unknown = await etl(['retry', '--input', ready, NAME, 'segment_20990101T00_00001']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^etl: no failed segment segment_20990101T00_00001 in \S+failed\S* \(there: segment_20260809T21_00001\.ndjson\)\n$/,
    );
    const nothing = await etl(['retry', '--input', ready]);
    expect(nothing).toMatchObject({
      code: 2,
      stderr: 'etl: name the segments to retry, or give --all (etl retry --help)\n',
    });
    expect(tree(root)).toEqual(before);
  });
});
