/**
 * Output faults (issue 6): an unwritable output directory and a full disk move the segment being
 * converted to failed/ with a clear error and exit code 1, stop the run (the other segments stay
 * in ready/), and leave no partial output visible. After the fault is fixed and the segment put
 * back, a run gives the clean result. The faults are real where the sandbox allows it (a read-only
 * and a 1 MiB tmpfs, as root); otherwise an output path that is a file (ENOTDIR) and a file size
 * limit (`ulimit -f`, EFBIG) stand in.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl } from './helpers.js';
import {
  aggregateDifferences,
  datasetAggregates,
  filesUnder,
  generatedSegments,
  hiddenFiles,
  runArgs,
  spawnEtl,
  summaryOf,
  type Workspace,
  workspace,
} from './workspace.js';

const mounted: string[] = [];

function mount(dir: string, options: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    mounted.push(dir);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  for (const dir of mounted.reverse()) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
});

let template: string;
let names: string[];
let clean: Record<string, unknown>;

beforeAll(async () => {
  template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-input-'));
  names = await generatedSegments(template, 4, 2_000_000);
  const ws = workspace(template);
  const r = await etl(runArgs(ws));
  expect(r.code, r.stderr).toBe(0);
  clean = await datasetAggregates(ws.output);
});

/** Files every published manifest lists: exactly what may be visible. */
function committedFiles(output: string): string[] {
  const dir = path.join(output, 'coinbase', '_manifests');
  const out: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    const m = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    expect(m.published, name).toBe(true);
    out.push(...m.files.map((f: { path: string }) => f.path));
  }
  return out.sort();
}

/** The fault's aftermath: one segment in failed/ with its report, the rest where they were. */
function expectFailedAndStopped(
  ws: Workspace,
  exit: { code: number | null; stdout: string },
  error: RegExp,
): string {
  expect(exit.code).toBe(1);
  const summary = summaryOf(exit.stdout);
  expect(summary.segments.failed).toBe(1);
  const failedName = summary.failures[0]?.segment ?? '';
  expect(summary.segments.processed).toBe(names.indexOf(failedName));
  expect(summary.stopped).toMatch(/writing the output failed/);
  expect(summary.failures[0]?.error).toMatch(error);
  const failed = readdirSync(ws.failed).filter((n) => n.endsWith('.ndjson'));
  expect(failed).toHaveLength(1);
  const report = JSON.parse(readFileSync(path.join(ws.failed, `${failed[0]}.error.json`), 'utf8'));
  expect(report).toMatchObject({ segment: failed[0], output_fault: true });
  expect(report.error).toMatch(error);
  // Segments before it committed, the one at fault failed, every later one still in ready/.
  expect(readdirSync(ws.ready).sort()).toEqual(names.filter((n) => n > failed[0]!));
  expect(readdirSync(ws.processing).filter((n) => !n.startsWith('.'))).toEqual([]);
  return failed[0]!;
}

/** Re-queues the failed segment (the fault is fixed by then) and checks a run gives the clean result. */
async function requeueAndComplete(ws: Workspace, failed: string): Promise<void> {
  renameSync(path.join(ws.failed, failed), path.join(ws.ready, failed));
  const r = await etl(runArgs(ws));
  expect(r.code, r.stderr).toBe(0);
  expect(hiddenFiles(ws.output)).toEqual([]);
  expect(aggregateDifferences(await datasetAggregates(ws.output), clean)).toEqual([]);
}

describe('etl run with an unwritable output directory', () => {
  it('fails the segment into failed/, exits 1 and writes nothing', async () => {
    const ws = workspace(template);
    const readOnly = mount(ws.output, 'ro,size=1m');
    if (!readOnly) writeFileSync(ws.output, 'a file where the output directory should be');
    const exit = await spawnEtl(runArgs(ws)).exit;
    const failed = expectFailedAndStopped(ws, exit, readOnly ? /EROFS|read-only/ : /ENOTDIR|not a directory/);
    expect(failed).toBe(names[0]);
    if (readOnly) {
      expect(filesUnder(ws.output)).toEqual([]);
      execFileSync('umount', [ws.output]);
      mounted.pop();
    } else rmSync(ws.output);
    await requeueAndComplete(ws, failed);
  });
});

describe('etl run on a full disk', () => {
  it('fails the segment that hits the limit, keeps what was committed, shows nothing partial', async () => {
    const ws = workspace(template);
    const tmpfs = mount(ws.output, 'size=1m');
    // Without mount: a file size limit makes every large write fail the same way (EFBIG).
    const exit = await spawnEtl(runArgs(ws), tmpfs ? {} : { shell: "trap '' XFSZ; ulimit -f 100;" }).exit;
    const failed = expectFailedAndStopped(ws, exit, tmpfs ? /ENOSPC|no space/i : /EFBIG|too large/i);
    console.info(
      `output faults: ${tmpfs ? 'a 1 MiB tmpfs' : 'ulimit -f'} filled up at ${failed} (of ${names.join(', ')})`,
    );
    // Every visible file is complete and committed; nothing else is visible.
    const visible = filesUnder(path.join(ws.output, 'coinbase')).filter(
      (f) => !f.startsWith('_') && !f.split(path.sep).some((p) => p.startsWith('.')),
    );
    expect(visible).toEqual(committedFiles(ws.output));
    expect(hiddenFiles(ws.output)).toEqual([]);
    if (visible.length) {
      const db = await duckdb();
      const rows = await db.one(
        `SELECT count(*) AS n FROM read_parquet([${visible.map((f) => `'${path.join(ws.output, 'coinbase', f)}'`).join(', ')}], union_by_name=true)`,
      );
      expect(Number(rows.n)).toBeGreaterThan(0);
    }
    if (tmpfs) execFileSync('mount', ['-o', 'remount,size=256m', ws.output]);
    await requeueAndComplete(ws, failed);
  });
});
