/**
 * `etl compact` measured (issue 18; a benchmark, not a test): a generated day of 24 hourly
 * segments (four products, the production mix of generate-segment.ts) converted by `etl run`,
 * then compacted. Reports the DuckDB time of a typical one-product, one-hour query on level2
 * before and after (fastest of --queries runs, each in a fresh in-memory DuckDB, so no metadata is
 * cached between runs), the files per partition, the compaction's throughput (MiB of Parquet
 * read per second of wall time), its CPU seconds and peak RSS, and checks that the rows are the
 * same (EXCEPT ALL both ways on every dataset).
 *
 *   npx tsx --conditions=@etl/source tooling/bench/compact.ts [--mib 4] [--queries 7] [--no-build]
 *
 * Uses the built CLI (apps/cli/dist). Results: tooling/bench/results/compact/latest.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateSegment } from './generate-segment.js';
import { type ProcessUsage, runMeasured } from './measured-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const WORK = path.join(tmpdir(), 'etl-bench-compact');
const RESULTS = path.join(ROOT, 'tooling', 'bench', 'results', 'compact');
const DAY_NS = 1_786_233_600_000_000_000n; // 2026-08-09T00:00:00Z
const HOUR_NS = 3_600_000_000_000n;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!(v > 0)) throw new Error(`--${name} must be a positive number`);
  return v;
}

function parquetBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.parquet') || e.name.startsWith('.')) continue;
    files++;
    bytes += statSync(path.join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

function timed(args: string[]): ProcessUsage {
  return runMeasured(`etl ${args[0]}`, [CLI, ...args], { rssFile: path.join(WORK, 'rss.json') });
}

const QUERY = (out: string) => `
  SELECT count(*) AS updates, avg(mid_price) AS mid, max(spread_bps) AS widest
  FROM read_parquet('${out}/coinbase/level2/**/*.parquet', hive_partitioning = true)
  WHERE product_id = 'BTC-USD' AND date = '2026-08-09'
    AND server_timestamp >= TIMESTAMP '2026-08-09 10:00:00' AND server_timestamp < TIMESTAMP '2026-08-09 11:00:00'`;

/** Fastest of `runs` runs of the query, each in a fresh in-memory DuckDB; and its result. */
async function queryTime(out: string, runs: number): Promise<{ ms: number; result: string }> {
  let best = Number.POSITIVE_INFINITY;
  let result = '';
  for (let i = 0; i < runs; i++) {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const db = await instance.connect();
    const started = process.hrtime.bigint();
    const rows = (await db.runAndReadAll(QUERY(out))).getRowObjectsJson();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
    result = JSON.stringify(rows);
    db.closeSync();
    instance.closeSync();
  }
  return { ms: best, result };
}

async function sameRows(a: string, b: string): Promise<Record<string, boolean>> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const out: Record<string, boolean> = {};
  for (const dataset of readdirSync(path.join(a, 'coinbase')).filter((d) => !d.startsWith('_'))) {
    const r = (o: string) =>
      `read_parquet('${o}/coinbase/${dataset}/**/*.parquet', hive_partitioning = true)`;
    const diff = (
      await db.runAndReadAll(
        `SELECT (SELECT count(*) FROM (SELECT * FROM ${r(a)} EXCEPT ALL SELECT * FROM ${r(b)})) +
              (SELECT count(*) FROM (SELECT * FROM ${r(b)} EXCEPT ALL SELECT * FROM ${r(a)})) AS d`,
      )
    ).getRowObjects()[0]!.d;
    out[dataset] = diff === 0n;
  }
  return out;
}

async function main(): Promise<void> {
  const mib = arg('mib', 4);
  const runs = arg('queries', 7);
  if (!process.argv.includes('--no-build'))
    spawnSync('pnpm', ['--filter', '@etl/cli...', 'build'], { cwd: ROOT, stdio: 'inherit' });
  rmSync(WORK, { recursive: true, force: true });
  const ready = path.join(WORK, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  let inputBytes = 0;
  for (let h = 0; h < 24; h++) {
    const name = `segment_20260809T${String(h).padStart(2, '0')}_00001.ndjson`;
    const g = await generateSegment(path.join(ready, name), {
      bytes: mib * 2 ** 20,
      seed: 1000 + h,
      startNs: DAY_NS + BigInt(h) * HOUR_NS,
    });
    inputBytes += g.bytes;
  }
  const out = path.join(WORK, 'processed');
  const run = timed(['run', '--input', ready, '--output', out, '--json', '--keep-input']);
  const before = path.join(WORK, 'before');
  cpSync(out, before, { recursive: true });
  const filesBefore = parquetBytes(path.join(out, 'coinbase', 'level2'));
  const queryBefore = await queryTime(out, runs);
  const load = loadavg()[0] ?? 0;
  const compact = timed(['compact', '--output', out, '--json']);
  const summary = JSON.parse(compact.stdout);
  const parquetIn = Object.values(summary.datasets as Record<string, { bytes_before: number }>).reduce(
    (a, d) => a + d.bytes_before,
    0,
  );
  const filesAfter = parquetBytes(path.join(out, 'coinbase', 'level2'));
  const queryAfter = await queryTime(out, runs);
  if (queryAfter.result !== queryBefore.result)
    throw new Error(`query results differ: ${queryBefore.result} vs ${queryAfter.result}`);
  const same = await sameRows(before, out);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, load_at_compaction: load },
    input: { segments: 24, ndjson_mib: inputBytes / 2 ** 20, products: 4, etl_run_s: run.seconds },
    level2: {
      files_before: filesBefore.files,
      files_after: filesAfter.files,
      mib_before: filesBefore.bytes / 2 ** 20,
      mib_after: filesAfter.bytes / 2 ** 20,
      rows: summary.datasets.level2?.rows,
    },
    query: {
      sql: QUERY('<out>').trim().replace(/\s+/g, ' '),
      before_ms: queryBefore.ms,
      after_ms: queryAfter.ms,
      result: queryAfter.result,
    },
    compaction: {
      seconds: compact.seconds,
      parquet_mib_read: parquetIn / 2 ** 20,
      mib_per_s: parquetIn / 2 ** 20 / compact.seconds,
      rows_per_s:
        Object.values(summary.datasets as Record<string, { rows: number }>).reduce((a, d) => a + d.rows, 0) /
        compact.seconds,
      cpu_s: compact.cpuSeconds,
      peak_rss_mb: compact.peakRssMb,
      partitions: summary.partitions,
      swap_ms_max: Math.max(
        ...Object.values(summary.datasets as Record<string, { swap_ms_max: number }>).map(
          (d) => d.swap_ms_max,
        ),
      ),
    },
    same_rows: same,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    '# etl compact: one generated day (24 hourly segments, 4 products)',
    '',
    `Machine: ${result.machine.cpus} × ${result.machine.model}, load ${load.toFixed(2)} when compacting. Input: ${result.input.ndjson_mib.toFixed(0)} MiB NDJSON.`,
    '',
    '| measure | before | after |',
    '| --- | ---: | ---: |',
    `| level2 files | ${filesBefore.files} | ${filesAfter.files} |`,
    `| level2 MiB | ${result.level2.mib_before.toFixed(1)} | ${result.level2.mib_after.toFixed(1)} |`,
    `| one product, one hour query (DuckDB, 1 thread, fastest of ${runs}) | ${queryBefore.ms.toFixed(1)} ms | ${queryAfter.ms.toFixed(1)} ms |`,
    '',
    `Compaction: ${compact.seconds.toFixed(1)} s wall, ${result.compaction.mib_per_s.toFixed(2)} MiB/s of Parquet read, ${Math.round(result.compaction.rows_per_s).toLocaleString('en')} rows/s, ${compact.cpuSeconds.toFixed(1)} CPU s, peak RSS ${compact.peakRssMb.toFixed(0)} MB; longest swap window (a directory glob sees old and merged files) ${result.compaction.swap_ms_max.toFixed(1)} ms. Same rows: ${Object.values(same).every(Boolean)}.`,
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'latest.md'), md);
  process.stdout.write(md);
}

await main();
