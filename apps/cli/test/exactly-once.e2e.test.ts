/**
 * Exactly-once under SIGKILL (issue 6). `etl run` runs in a child process over a multi-segment
 * input (the real capture split into consecutive segments, a reconnect segment that repeats
 * trades, generated segments) and is killed with SIGKILL, again and again, then run to
 * completion; the datasets must equal one clean run's, partition by partition, and no partial or
 * temporary file may ever be visible. Two kinds of kills: at random instants (seeded; set
 * ETL_KILL_SEED to reproduce a failure) and right before a chosen filesystem step (a harness
 * counts the steps), so the short commit window is hit on purpose, not by luck.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl } from './helpers.js';
import {
  aggregateDifferences,
  datasetAggregates,
  generatedSegments,
  hiddenFiles,
  reconnectSegment,
  runArgs,
  seeded,
  sleep,
  spawnEtl,
  splitFixture,
  strayParquet,
  summaryOf,
  type Workspace,
  workspace,
} from './workspace.js';

const SEED = Number(process.env.ETL_KILL_SEED ?? 20260809);
const MIN_KILLS = 20;
const HARNESS = path.resolve(import.meta.dirname, 'crash-at-op.ts');

/** Every visible Parquet file reads completely (a partial file would fail here). */
async function visibleFilesRead(output: string): Promise<void> {
  const glob = path.join(output, 'coinbase', '*', '**', '*.parquet').replaceAll("'", "''");
  const db = await duckdb();
  const files = await db.rows(`SELECT count(*) AS n FROM glob('${glob}')`);
  if (Number(files[0]!.n) === 0) return;
  await db.rows(`SELECT count(*) FROM read_parquet('${glob}', union_by_name=true)`);
}

/** Segments whose manifest is published. */
function committed(ws: Workspace): number {
  const dir = path.join(ws.output, 'coinbase', '_manifests');
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).filter(
    (n) => !n.startsWith('.') && JSON.parse(readFileSync(path.join(dir, n), 'utf8')).published,
  ).length;
}

/** After a completed run: the clean run's data, an empty processing/ and ready/, no temporaries. */
async function expectCompleted(
  ws: Workspace,
  clean: Record<string, unknown>,
  segments: number,
): Promise<void> {
  expect(readdirSync(ws.ready)).toEqual([]);
  expect(readdirSync(ws.processing)).toEqual([]);
  expect(hiddenFiles(ws.output)).toEqual([]);
  expect(readdirSync(path.join(ws.output, 'coinbase', '_manifests'))).toHaveLength(segments);
  expect(aggregateDifferences(await datasetAggregates(ws.output), clean)).toEqual([]);
}

describe('etl run killed at random instants', () => {
  let template: string;
  let segments: number;
  let clean: Record<string, unknown>;
  let startupMs: number;
  let runMs: number;
  /** In the clean run, ms from the start until segment i + 1 was committed. */
  const doneAt: number[] = [];

  beforeAll(async () => {
    template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-input-'));
    const names = [...splitFixture(template, 5), ...(await generatedSegments(template, 2, 2_500_000))];
    reconnectSegment(template, 'segment_20260809T21_00006.ndjson');
    segments = names.length + 1;
    // Startup alone (an empty ready/), then one clean run: kill instants are spread over it.
    let t = performance.now();
    const empty = await spawnEtl(runArgs(workspace())).exit;
    startupMs = performance.now() - t;
    expect(empty.code).toBe(0);
    const ws = workspace(template);
    t = performance.now();
    const clean1 = spawnEtl(runArgs(ws));
    clean1.child.stderr!.on('data', (d: Buffer) => {
      for (const _ of d.toString().matchAll(/segment processed/g)) doneAt.push(performance.now() - t);
    });
    const first = await clean1.exit;
    runMs = performance.now() - t;
    expect(first.code, first.stderr).toBe(0);
    const summary = summaryOf(first.stdout);
    expect(summary.segments).toMatchObject({ processed: segments, failed: 0 });
    clean = await datasetAggregates(ws.output);
    // The reconnect repeats 100 trades of the first segment: removed across the segment boundary.
    const db = await duckdb();
    const trades = await db.one(
      `SELECT count(*) AS n, count(DISTINCT (product_id, trade_id)) AS ids FROM read_parquet('${path.join(ws.output, 'coinbase', 'market_trades', '**', '*.parquet')}', hive_partitioning=true)`,
    );
    expect(trades.n).toBe(trades.ids);
    const fresh = await db.rows(
      `SELECT trade_id FROM read_parquet('${path.join(ws.output, 'coinbase', 'market_trades', '**', '*.parquet')}', hive_partitioning=true) WHERE trade_id LIKE '90000000_' ORDER BY 1`,
    );
    expect(fresh.map((r) => r.trade_id)).toEqual(['900000001', '900000002']);
    expect(summary.datasets.market_trades?.rows).toBe(Number(trades.n));
    console.info(
      `exactly-once: seed ${SEED}, ${segments} segments, startup ${Math.round(startupMs)} ms, clean run ${Math.round(runMs)} ms, segments done at ${doneAt.map(Math.round).join(' ')} ms`,
    );
  });

  it(`gives the clean run's datasets after at least ${MIN_KILLS} kills`, async () => {
    const random = seeded(SEED);
    let kills = 0;
    for (let chain = 0; kills < MIN_KILLS && chain < 6; chain++) {
      const ws = workspace(template);
      const progress: number[] = [];
      for (let k = 0; k < 12 && kills < MIN_KILLS; k++) {
        const run = spawnEtl(runArgs(ws));
        // Uniform over what is left of the run (from module loading on): a restart resumes where
        // the last kill left off, so the kills of a chain walk through all the segments.
        const done = committed(ws);
        const left = runMs - (done > 0 ? (doneAt[done - 1] ?? runMs) - startupMs : 0);
        const delay = startupMs * 0.2 + random() * left;
        const finished = await Promise.race([run.exit.then(() => true), sleep(delay).then(() => false)]);
        if (finished) {
          expect((await run.exit).code).toBe(0);
          break; // the chain's work is done
        }
        run.child.kill('SIGKILL');
        const exit = await run.exit;
        if (exit.signal === 'SIGKILL') kills++;
        expect(strayParquet(ws.output)).toEqual([]);
        await visibleFilesRead(ws.output);
        progress.push(committed(ws));
      }
      console.info(
        `exactly-once: chain ${chain}: segments committed after each kill: ${progress.join(' ')} (of ${segments})`,
      );
      const last = await etl(runArgs(ws));
      expect(last.code, last.stderr).toBe(0);
      await expectCompleted(ws, clean, segments);
    }
    console.info(`exactly-once: ${kills} kills at random instants (seed ${SEED})`);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
  });
});

describe('etl run killed right before chosen filesystem steps', () => {
  it('gives the clean run after a kill at any step of claim, commit, publish and finish', async () => {
    const template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-small-'));
    // Small segments (the capture without its 5 MB snapshot): each step is cheap to reach.
    const lines = readFileSync(
      path.join(import.meta.dirname, '../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson'),
      'utf8',
    )
      .split('\n')
      .filter((l) => l && l.length < 1_000_000);
    for (let i = 0; i < 3; i++) {
      const part = lines.slice(i * 182, (i + 1) * 182);
      writeFileSync(path.join(template, `segment_20260809T21_0000${i + 1}.ndjson`), `${part.join('\n')}\n`);
    }
    const base = workspace(template);
    expect((await etl(runArgs(base))).code).toBe(0);
    const clean = await datasetAggregates(base.output);

    // Count the steps of one run, then pick the commit steps of the second segment and a seeded
    // spread of the others.
    const counted = workspace(template);
    const log = path.join(counted.root, 'ops.tsv');
    const first = await spawnEtl(runArgs(counted), { entry: HARNESS, env: { ETL_OPS_LOG: log } }).exit;
    expect(first.code, first.stderr).toBe(0);
    const ops = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const find = (pred: (op: string[]) => boolean) => ops.findIndex(pred) + 1;
    const seg2 = 'segment_20260809T21_00002';
    const commitPoint = find((o) => o[1] === 'rename' && (o[3] ?? '').endsWith(`_manifests/${seg2}.json`));
    expect(commitPoint).toBeGreaterThan(0);
    const chosen = new Set([
      find((o) => o[1] === 'link' && o[2]!.includes(`.${seg2}.ndjson.owner`)), // claiming
      find((o) => o[1] === 'rename' && o[3]!.endsWith(`processing/coinbase/${seg2}.ndjson`)), // ready → processing
      commitPoint, // the manifest: the commit point
      commitPoint + 1, // the first rename of the publication
      commitPoint + 3, // in the middle of it
      ops.findIndex(
        (o, i) => i >= commitPoint && o[1] === 'rename' && o[3]!.endsWith(`_manifests/${seg2}.json`),
      ) + 1, // marked published
      find((o) => o[1] === 'unlink' && o[2]!.endsWith(`processing/coinbase/${seg2}.ndjson`)), // removing the input
    ]);
    const random = seeded(SEED + 1);
    for (let stratum = 0; stratum < 7; stratum++)
      chosen.add(1 + Math.floor(((stratum + random()) / 7) * ops.length));
    chosen.delete(0);
    const described = [...chosen]
      .sort((a, b) => a - b)
      .map(
        (step) => `${step} ${ops[step - 1]![1]} ${path.basename(ops[step - 1]![3] ?? ops[step - 1]![2]!)}`,
      );
    console.info(
      `exactly-once: ${ops.length} filesystem steps; SIGKILL right before:\n  ${described.join('\n  ')}`,
    );
    for (const step of chosen) {
      const ws = workspace(template);
      const crashed = await spawnEtl(runArgs(ws), { entry: HARNESS, env: { ETL_CRASH_OP: String(step) } })
        .exit;
      expect(crashed.signal, `step ${step}: ${ops[step - 1]!.join(' ')}`).toBe('SIGKILL');
      expect(strayParquet(ws.output)).toEqual([]);
      await visibleFilesRead(ws.output);
      const again = await etl(runArgs(ws));
      expect(again.code, again.stderr).toBe(0);
      await expectCompleted(ws, clean, 3);
    }
  });
});
