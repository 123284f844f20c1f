/**
 * `etl compact` under SIGKILL (issue 18): killed at random instants once it holds its lock, and
 * right before each step of a partition's commit and swap (the crash-at-op harness counts the
 * filesystem steps of a clean run). After each kill, recovery alone must leave every partition
 * with either its old files or its merged file (never both, never neither) and the same rows;
 * then `etl compact` must finish with one file per partition, the same rows, no duplicates and
 * no temporaries. Set ETL_KILL_SEED to reproduce a failing seed.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recoverOutput } from '@etl/orchestrator';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl } from './helpers.js';
import { seeded, sleep, spawnEtl, splitFixture, workspace } from './workspace.js';

const SEED = Number(process.env.ETL_KILL_SEED ?? 20261207);
const RANDOM_KILLS = 12;
const HARNESS = path.resolve(import.meta.dirname, 'crash-at-op.ts');
const DATASETS = ['level2', 'market_trades', 'ticker', 'candles', 'quality'];

/** Every file under `dir` (relative paths), hidden ones included. */
function tree(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tree(path.join(dir, e.name), path.join(rel, e.name)) : [path.join(rel, e.name)],
  );
}

/** Parquet files per partition directory of every dataset (hidden temporaries excluded). */
function partitions(output: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const dataset of DATASETS) {
    for (const f of tree(path.join(output, 'coinbase', dataset))) {
      if (!f.endsWith('.parquet') || path.basename(f).startsWith('.')) continue;
      const dir = path.join(dataset, path.dirname(f));
      out.set(dir, [...(out.get(dir) ?? []), path.basename(f)].sort());
    }
  }
  return out;
}

describe('etl compact survives SIGKILL at any instant', () => {
  let before: string;
  let oldFiles: Map<string, string[]>;
  const scratch = mkdtempSync(path.join(tmpdir(), 'etl-compact-kill-'));
  let copies = 0;

  /** A fresh copy of the uncompacted output. */
  const fresh = (): string => {
    const out = path.join(scratch, `out-${copies++}`);
    cpSync(before, out, { recursive: true });
    return out;
  };

  beforeAll(async () => {
    const ws = workspace();
    splitFixture(ws.ready, 4);
    const run = await etl(['run', '--input', ws.ready, '--output', ws.output, '--json']);
    expect(run.code, run.stderr).toBe(0);
    before = ws.output;
    oldFiles = partitions(before);
  }, 300_000);

  /** After a kill: recovery alone gives old-or-new per partition; then `etl compact` finishes. */
  async function expectRecoverable(out: string, label: string): Promise<void> {
    await recoverOutput(path.join(out, 'coinbase'));
    const db = await duckdb();
    for (const [dir, files] of partitions(out)) {
      const old = oldFiles.get(dir)!;
      const merged = files.length === 1 && files[0]!.startsWith('part-compacted-');
      expect(
        merged || JSON.stringify(files) === JSON.stringify(old),
        `${label}: ${dir} holds ${files.join(', ')}`,
      ).toBe(true);
    }
    expect([...partitions(out).keys()].sort()).toEqual([...oldFiles.keys()].sort());
    for (const dataset of DATASETS)
      expect(await datasetDifference(db, before, out, dataset), `${label} after recovery`).toMatchObject({
        missing: 0,
        extra: 0,
      });
    const r = await etl(['compact', '--output', out, '--json']);
    expect(r.code, `${label}: ${r.stderr}`).toBe(0);
    for (const [dir, files] of partitions(out)) expect(files, `${label}: ${dir}`).toHaveLength(1);
    for (const dataset of DATASETS)
      expect(await datasetDifference(db, before, out, dataset), `${label} after compact`).toMatchObject({
        missing: 0,
        extra: 0,
      });
    const leftovers = tree(path.join(out, 'coinbase')).filter(
      (f) => path.basename(f).startsWith('.') || f.endsWith('.lock'),
    );
    expect(leftovers, label).toEqual([]);
    rmSync(out, { recursive: true, force: true });
  }

  it(`${RANDOM_KILLS} kills at random instants`, async () => {
    const clean = fresh();
    const started = Date.now();
    const first = await spawnEtl(['compact', '--output', clean, '--quiet']).exit;
    expect(first.code, first.stderr).toBe(0);
    const duration = Date.now() - started;
    const random = seeded(SEED);
    let killedMidway = 0;
    for (let i = 0; i < RANDOM_KILLS; i++) {
      const out = fresh();
      const lock = path.join(out, 'coinbase', '_compactions', 'compact.lock');
      const child = spawnEtl(['compact', '--output', out, '--quiet']);
      let exited = false;
      void child.exit.then(() => {
        exited = true;
      });
      // From the moment it holds the lock, so the kill lands in the compaction, not in start-up.
      while (!exited && !existsSync(lock)) await sleep(5);
      await sleep(Math.floor(random() * duration * 0.6));
      child.child.kill('SIGKILL');
      const exit = await child.exit;
      if (exit.signal === 'SIGKILL') killedMidway++;
      await expectRecoverable(out, `random kill ${i} (seed ${SEED})`);
    }
    expect(killedMidway).toBeGreaterThanOrEqual(10);
  }, 900_000);

  it('kills right before each step of the level2 partition commit and swap', async () => {
    const counted = fresh();
    const log = path.join(scratch, 'ops.log');
    const first = await spawnEtl(['compact', '--output', counted, '--quiet'], {
      entry: HARNESS,
      env: { ETL_OPS_LOG: log },
    }).exit;
    expect(first.code, first.stderr).toBe(0);
    const ops = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    // From the last steps of writing level2's merged file to its manifest marked done.
    const manifestOps = ops
      .map((o, i) => ({ o, i }))
      .filter(({ o }) => o[1] === 'rename' && o[3]?.includes(path.join('_compactions', 'level2')));
    expect(manifestOps.length).toBe(3); // committed, swapped, done
    const startAt = manifestOps[0]!.i - 4;
    const endAt = manifestOps[2]!.i;
    // Every rename and deletion of the window (commit point, swap, each replaced file, marks), and
    // the manifest's temporary before the commit point.
    const steps = ops
      .slice(startAt, endAt + 1)
      .filter((o, i) => o[1] === 'rename' || o[1] === 'unlink' || i + startAt === manifestOps[0]!.i - 1)
      .map((o) => Number(o[0]));
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const step of steps) {
      const out = fresh();
      const exit = await spawnEtl(['compact', '--output', out, '--quiet'], {
        entry: HARNESS,
        env: { ETL_CRASH_OP: String(step) },
      }).exit;
      expect(exit.signal, `step ${step}`).toBe('SIGKILL');
      await expectRecoverable(out, `kill before step ${step} (${ops[step - 1]!.slice(1).join(' ')})`);
    }
  }, 900_000);
});
