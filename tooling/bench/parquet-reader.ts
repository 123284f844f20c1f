/**
 * Benchmark of @etl/readers-parquet: reading our own level2 dataset (what `etl run` writes for the
 * bundled sample segment), all columns and a 4-column projection, with this tree's ParquetReader
 * and with the ParquetReader of a baseline git ref, interleaved round by round in one run so the
 * ratio is fair on a shared machine. The fastest round of each is kept.
 *
 *   npx tsx --conditions=@etl/source tooling/bench/parquet-reader.ts [--baseline main] [--rounds 9]
 *     [--copies 10] [--input <level2 dataset dir>]
 *
 * Without --input, a copy of the sample segment is processed with the built CLI in a temp
 * directory and its level2 file copied `--copies` times (480 k rows by default), so one read
 * takes long enough to measure.
 * The baseline's `packages/readers-parquet/src` is extracted with `git archive` next to a link to
 * this package's node_modules, so both readers use the same hyparquet and @etl/core.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Row } from '../../packages/core/src/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGE = path.join(ROOT, 'packages', 'readers-parquet');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const SAMPLE = path.join(ROOT, 'tooling', 'fixtures', 'sample', 'ready', 'coinbase');
const PROJECTION = ['server_timestamp', 'side', 'price_level', 'new_quantity'];

interface ReaderModule {
  ParquetReader: new (options?: {
    columns?: readonly string[];
  }) => { read(input: string): AsyncGenerator<Row[]> };
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function level2Dataset(work: string): string {
  const out = path.join(work, 'out');
  // The CLI claims and moves its input: give it a copy of the sample, never the fixture itself.
  const ready = path.join(work, 'ready', 'coinbase');
  cpSync(SAMPLE, ready, { recursive: true });
  execFileSync(process.execPath, [CLI, 'run', '--input', ready, '--output', out, '--json'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return path.join(out, 'coinbase', 'level2');
}

/** `copies` copies of every file of `dataset`, side by side (a bigger dataset of the same shape). */
function replicate(dataset: string, copies: number): void {
  const files = readdirSync(dataset, { recursive: true, withFileTypes: true }).filter((e) =>
    e.name.endsWith('.parquet'),
  );
  for (const e of files) {
    const source = path.join(e.parentPath, e.name);
    for (let k = 1; k < copies; k++) copyFileSync(source, source.replace(/\.parquet$/, `-copy${k}.parquet`));
  }
}

async function baselineReader(ref: string, work: string): Promise<ReaderModule> {
  const dir = path.join(work, 'baseline');
  mkdirSync(dir, { recursive: true });
  const archive = path.join(work, 'baseline.tar');
  execFileSync('git', ['-C', ROOT, 'archive', '-o', archive, ref, 'packages/readers-parquet/src']);
  execFileSync('tar', ['-x', '-f', archive, '-C', dir, '--strip-components=2']);
  symlinkSync(path.join(PACKAGE, 'node_modules'), path.join(dir, 'node_modules'));
  return (await import(path.join(dir, 'src', 'index.ts'))) as ReaderModule;
}

async function readOnce(module: ReaderModule, input: string, columns?: readonly string[]): Promise<number> {
  const reader = new module.ParquetReader(columns ? { columns } : {});
  const started = process.hrtime.bigint();
  let rows = 0;
  for await (const batch of reader.read(input)) rows += batch.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (rows === 0) throw new Error(`no rows read from ${input}`);
  return seconds / rows;
}

async function main(): Promise<void> {
  const ref = option('baseline', 'main');
  const rounds = Number(option('rounds', '9'));
  const copies = Number(option('copies', '10'));
  const work = mkdtempSync(path.join(tmpdir(), 'etl-bench-reader-'));
  try {
    const input = process.argv.includes('--input') ? option('input', '') : level2Dataset(work);
    if (!existsSync(input)) throw new Error(`no dataset at ${input}`);
    if (!process.argv.includes('--input')) replicate(input, copies);
    const current = (await import('../../packages/readers-parquet/src/index.js')) as ReaderModule;
    const baseline = await baselineReader(ref, work);
    const variants = { baseline, current };
    const best: Record<string, number> = {};
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so neither variant always runs first (warm caches, JIT).
      const order = round % 2 ? (['current', 'baseline'] as const) : (['baseline', 'current'] as const);
      for (const name of order) {
        for (const [label, columns] of [
          ['all columns', undefined],
          ['projection', PROJECTION],
        ] as const) {
          const key = `${name} ${label}`;
          const perRow = await readOnce(variants[name], input, columns);
          best[key] = Math.min(best[key] ?? Number.POSITIVE_INFINITY, perRow);
        }
      }
    }
    const result: Record<string, unknown> = { baseline: ref, rounds, copies, input };
    for (const label of ['all columns', 'projection']) {
      const b = best[`baseline ${label}`]!;
      const c = best[`current ${label}`]!;
      result[label] = {
        baseline_rows_per_s: Math.round(1 / b),
        current_rows_per_s: Math.round(1 / c),
        current_over_baseline: Number((b / c).toFixed(3)),
      };
    }
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
