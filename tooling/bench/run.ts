/**
 * `pnpm bench`: the end-to-end benchmark. For each generated segment (size × shape: envelope or
 * bare frames, 3 or 6 updates per level2 message) it measures, interleaved in one run on this
 * machine: DuckDB flattening level2 to partitioned Parquet (2 and 1 threads, the same 13 columns
 * and partitions as ours), our `etl run` level2 flatten, and our level2 with book and features.
 * Throughput is MiB/s of input; ratios are ours / DuckDB measured back to back, since machines are
 * noisy. Results go to tooling/bench/results/ as JSON and a markdown table.
 *
 * Every measurement runs in its own child process; CPU seconds (user + system, all threads) and
 * the load average are recorded next to wall time, because the machine may be shared.
 * Each measurement is repeated (--runs, default 2) and the fastest run is kept (its CPU seconds
 * with it; peak RSS is the largest of all runs): on a shared machine the fastest run is the one
 * least disturbed by other work, and DuckDB and ours get the same treatment.
 *
 * Options: --sizes 300 (MiB, comma-separated; default 300), --large (adds 1024 MiB), --quick (50 MiB,
 * one run), --shapes envelope-6,envelope-3,bare-6,bare-3 (framing and mean updates per level2
 * message), --threads 1,2 (our rows once per `etl run --threads` value), --runs 2, --component
 * (also run the per-package benches), --compare <another checkout's apps/cli/dist/bin.js> (its
 * flatten and book rows too, interleaved: before vs after in one run),
 * --fsync-cost (only the full `etl run`, alternately as it is and with every fsync made a no-op by
 * libeatmydata (Debian package eatmydata): the ratio is what durability costs).
 */
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { generateSegment } from './generate-segment.js';
import { runMeasured } from './measured-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORK = path.join(tmpdir(), 'etl-bench');
const RESULTS = path.join(ROOT, 'tooling', 'bench', 'results');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
/** Another build's CLI (--compare <its apps/cli/dist/bin.js>): its rows run interleaved with ours. */
let COMPARE_CLI: string | undefined;
/** Repetitions per measurement; the fastest is kept. Set from --runs. */
let RUNS = 3;

interface Measurement {
  name: string;
  seconds: number;
  mibPerS: number;
  peakRssMb: number;
  /** User + system CPU seconds of the process (every thread). */
  cpuSeconds: number;
  /** One-minute load average when the measurement started (2 cores: above 2 means contention). */
  load: number;
  outputMib?: number;
  rows?: number;
}

function dirSize(dir: string, ext = '.parquet'): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) total += statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

function measure(
  name: string,
  inputBytes: number,
  args: string[],
  prepare: () => void = () => {},
  env: NodeJS.ProcessEnv = {},
): Measurement & { stdout: string } {
  let best: (Measurement & { stdout: string }) | undefined;
  let peakRssMb = 0;
  for (let run = 0; run < RUNS; run++) {
    prepare();
    const m = measureOnce(name, inputBytes, args, env);
    peakRssMb = Math.max(peakRssMb, m.peakRssMb);
    if (!best || m.seconds < best.seconds) best = m;
  }
  return { ...best!, peakRssMb };
}

function measureOnce(
  name: string,
  inputBytes: number,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Measurement & { stdout: string } {
  const usage = runMeasured(name, args, { rssFile: path.join(WORK, `rss-${process.pid}.json`), env });
  return { name, ...usage, mibPerS: inputBytes / 2 ** 20 / usage.seconds };
}

/** One `etl run` of `segment` (a fresh output directory), `--threads` when given. */
function etlRunOnce(
  name: string,
  segment: string,
  inputBytes: number,
  config: object,
  threads: number | undefined,
  cli = CLI,
): Measurement {
  const runs = RUNS;
  RUNS = 1;
  try {
    return etlRun(
      name,
      segment,
      inputBytes,
      config,
      {},
      threads === undefined ? [] : ['--threads', String(threads)],
      cli,
    );
  } finally {
    RUNS = runs;
  }
}

function etlRun(
  name: string,
  segment: string,
  inputBytes: number,
  config: object,
  env: NodeJS.ProcessEnv = {},
  extraArgs: readonly string[] = [],
  cli = CLI,
): Measurement {
  const dir = path.join(WORK, `run-${name}`);
  const ready = path.join(dir, 'raw', 'ready', 'coinbase');
  const configFile = path.join(dir, 'config.json');
  const out = path.join(dir, 'processed');
  // A fresh directory for every repetition: the output's manifest would otherwise mark the
  // segment as already processed.
  const prepare = () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(ready, { recursive: true });
    linkSync(segment, path.join(ready, path.basename(segment)));
    writeFileSync(configFile, JSON.stringify(config));
  };
  const m = measure(
    name,
    inputBytes,
    [
      cli,
      'run',
      '--input',
      ready,
      '--output',
      out,
      '--config',
      configFile,
      '--json',
      '--keep-input',
      ...extraArgs,
    ],
    prepare,
    env,
  );
  const summary = JSON.parse(m.stdout) as {
    datasets: Record<string, { rows: number }>;
    segments: { failed: number };
  };
  if (summary.segments.failed) throw new Error(`${name}: the segment failed`);
  const level2 = path.join(out, 'coinbase', 'level2');
  return { ...m, rows: summary.datasets.level2?.rows ?? 0, outputMib: dirSize(level2) / 2 ** 20 };
}

const EAT_MY_DATA = '/usr/lib/x86_64-linux-gnu/libeatmydata.so';

/**
 * What fsync costs: the full pipeline with and without it, one run of each in turn (so both see the
 * same machine load), fastest of each kept.
 */
async function benchFsyncCost(mib: number): Promise<Measurement[]> {
  const segment = path.join(WORK, `segment_20260809T23_${String(mib).padStart(5, '0')}.ndjson`);
  await generateSegment(segment, { bytes: mib * 2 ** 20, seed: 7 });
  const size = statSync(segment).size;
  const runs = RUNS;
  RUNS = 1;
  const best = new Map<string, Measurement>();
  for (let run = 0; run < runs; run++) {
    for (const [name, env] of [
      ['etl run: full pipeline, with fsync', {}],
      ['etl run: full pipeline, fsync disabled (libeatmydata)', { LD_PRELOAD: EAT_MY_DATA }],
    ] as const) {
      const m = etlRun(name, segment, size, {}, env);
      const prev = best.get(name);
      if (!prev || m.seconds < prev.seconds) best.set(name, m);
    }
  }
  RUNS = runs;
  const results = [...best.values()];
  const [synced, unsynced] = results as [Measurement, Measurement];
  process.stderr.write(
    `  ${mib} MiB: with fsync ${synced.seconds.toFixed(2)} s, without ${unsynced.seconds.toFixed(2)} s: ratio ${(synced.seconds / unsynced.seconds).toFixed(3)}\n`,
  );
  return results;
}

/** A segment shape of the issue's table: framing and mean updates per level2 message. */
interface Shape {
  readonly name: string;
  readonly bare: boolean;
  readonly updatesPerMessage: number;
}

function shapeOf(name: string): Shape {
  const m = /^(envelope|bare)-(\d+)$/.exec(name);
  if (!m) throw new Error(`--shapes: "${name}" is not envelope-N or bare-N`);
  return { name, bare: m[1] === 'bare', updatesPerMessage: Number(m[2]) };
}

const FLATTEN_ONLY = {
  level2: { processor_options: { reconstruct_lob: false, compute_features: false } },
  market_trades: { enabled: false },
  ticker: { enabled: false },
  candles: { enabled: false },
};
/** Level2 with the book and features (the default processing), the other channels off. */
const LEVEL2_BOOK = {
  market_trades: { enabled: false },
  ticker: { enabled: false },
  candles: { enabled: false },
};

/** One measured command, repeated interleaved with the others of its segment. */
interface Task {
  readonly name: string;
  run(): Measurement;
}

/**
 * The issue's table for one segment: DuckDB (2 and 1 threads) and ours (flatten, book + features,
 * each at every --threads value), all interleaved: run 1 of every task, then run 2, …, so a burst
 * of load from other work on the machine hits them alike. Fastest run kept, largest RSS reported.
 */
async function benchShape(mib: number, shape: Shape, threads: readonly number[]): Promise<Measurement[]> {
  const segment = path.join(WORK, `segment_20260809T23_${shape.name}_${String(mib).padStart(5, '0')}.ndjson`);
  await generateSegment(segment, {
    bytes: mib * 2 ** 20,
    seed: 7,
    updatesPerMessage: shape.updatesPerMessage,
    bare: shape.bare,
  });
  const size = statSync(segment).size;
  process.stderr.write(`segment ${shape.name}, ${mib} MiB: ${segment}\n`);
  const duckOut = path.join(WORK, 'duckdb-out');
  const duck = (t: number): Task => ({
    name: `DuckDB flatten (${t} thread${t > 1 ? 's' : ''})`,
    run: () => {
      rmSync(duckOut, { recursive: true, force: true });
      const m = measureOnce(`DuckDB flatten (${t} thread${t > 1 ? 's' : ''})`, size, [
        path.join(ROOT, 'tooling/bench/duckdb-flatten.mjs'),
        segment,
        duckOut,
        String(t),
        'zstd',
        shape.bare ? 'bare' : 'envelope',
      ]);
      return {
        ...m,
        rows: (JSON.parse(m.stdout) as { rows: number }).rows,
        outputMib: dirSize(duckOut) / 2 ** 20,
      };
    },
  });
  const ours = (label: string, channels: object, t: number | undefined): Task => {
    const name = t === undefined ? label : `${label}, --threads ${t}`;
    return {
      name,
      run: () => etlRunOnce(name, segment, size, { etl: { channels } }, t),
    };
  };
  const tasks: Task[] = [duck(2), duck(1)];
  const compare = COMPARE_CLI;
  if (compare) {
    for (const [label, channels] of [
      ['compared build: level2 flatten', FLATTEN_ONLY],
      ['compared build: level2 book + features', LEVEL2_BOOK],
    ] as const) {
      tasks.push({
        name: label,
        run: () => etlRunOnce(label, segment, size, { etl: { channels } }, undefined, compare),
      });
    }
  }
  for (const t of threads.length ? threads : [undefined]) {
    tasks.push(ours('etl run: level2 flatten', FLATTEN_ONLY, t));
    tasks.push(ours('etl run: level2 book + features', LEVEL2_BOOK, t));
  }
  const best = new Map<string, Measurement>();
  for (let run = 0; run < RUNS; run++) {
    for (const task of tasks) {
      const m = task.run();
      const prev = best.get(task.name);
      const peakRssMb = Math.max(prev?.peakRssMb ?? 0, m.peakRssMb);
      best.set(task.name, !prev || m.seconds < prev.seconds ? { ...m, peakRssMb } : { ...prev, peakRssMb });
    }
  }
  const results = tasks.map((t) => best.get(t.name)!);
  for (const r of results) {
    process.stderr.write(
      `  ${r.name.padEnd(46)} ${r.mibPerS.toFixed(1).padStart(7)} MiB/s  ${r.cpuSeconds.toFixed(1).padStart(5)} CPU s  ${r.peakRssMb.toFixed(0).padStart(5)} MB RSS  rows ${r.rows}  (load ${r.load.toFixed(1)})\n`,
    );
  }
  return results;
}

function table(title: string, results: Measurement[]): string {
  const duck = results.find((r) => r.name === 'DuckDB flatten (2 threads)');
  const lines = [
    `### ${title}`,
    '',
    '| pipeline | MiB/s | time vs DuckDB (2 threads) | CPU s | CPU vs DuckDB | peak RSS (MB) | level2 rows | load |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.mibPerS.toFixed(1)} | ${duck ? `${(r.mibPerS / duck.mibPerS).toFixed(2)}x` : '–'} | ${r.cpuSeconds.toFixed(1)} | ${duck ? `${(r.cpuSeconds / duck.cpuSeconds).toFixed(2)}x` : '–'} | ${r.peakRssMb.toFixed(0)} | ${r.rows ?? '–'} | ${r.load.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const sizes = (option(args, '--sizes') ?? (quick ? '50' : '300')).split(',').map(Number);
  if (args.includes('--large')) sizes.push(1024);
  RUNS = Math.max(1, Number(option(args, '--runs') ?? (quick ? 1 : 2)));
  const shapes = (option(args, '--shapes') ?? 'envelope-6,envelope-3,bare-6,bare-3').split(',').map(shapeOf);
  COMPARE_CLI = option(args, '--compare');
  const threads = (option(args, '--threads') ?? '').split(',').filter(Boolean).map(Number);
  mkdirSync(WORK, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  const all: Record<string, Measurement[]> = {};
  const md: string[] = [
    `# Benchmark results`,
    '',
    `${new Date().toISOString()}, Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; \`pnpm bench ${args.join(' ')}\``,
    '',
    `Generated segments (four products, ~86 % \`l2_data\` lines, the rest ticker and market_trades): "envelope" lines in the collector's envelope, "bare" lines the WebSocket messages alone; N = mean updates per level2 message. MiB/s of input, wall clock, fastest of ${RUNS} interleaved runs (run 1 of every row, then run 2, …); peak RSS is the largest of the runs. DuckDB writes the same 13 level2 columns (three nanosecond timestamps cast from the strings) to the same Hive partitions (product_id, date) with zstd; ours is \`etl run\` with the other channels off (flatten: no book, no features). CPU s is user + system time of the whole process (all threads); load is the 1-minute load average when the run started (2 cores: above 2, other work competed).`,
    '',
  ];
  if (args.includes('--fsync-cost') && !existsSync(EAT_MY_DATA))
    throw new Error(`--fsync-cost needs ${EAT_MY_DATA} (Debian package eatmydata)`);
  for (const size of sizes) {
    if (args.includes('--fsync-cost')) {
      all[`${size}MiB`] = await benchFsyncCost(size);
      continue;
    }
    for (const shape of shapes) {
      const results = await benchShape(size, shape, threads);
      all[`${shape.name} ${size}MiB`] = results;
      md.push(table(`${shape.name}, ${size} MiB`, results), '');
    }
  }
  if (args.includes('--component')) {
    const component: Record<string, unknown> = {};
    for (const [name, mod, fn] of [
      ['ndjson-reader', './ndjson-reader.js', 'runNdjsonReaderBench'],
      ['parquet-writer', './parquet-writer.js', 'runParquetWriterBench'],
      ['order-book', './order-book.js', 'runOrderBookBench'],
      ['line-scanner', './line-scanner.js', 'runLineScannerBench'],
    ] as const) {
      try {
        const m = (await import(mod)) as Record<string, () => Promise<unknown>>;
        component[name] = await m[fn]!();
      } catch (error) {
        component[name] = { error: (error as Error).message };
      }
    }
    md.push('## Components', '', '```json', JSON.stringify(component, null, 2), '```', '');
    (all as Record<string, unknown>).components = component;
  }
  const base = args.includes('--fsync-cost') ? 'fsync-cost' : 'latest';
  writeFileSync(path.join(RESULTS, `${base}.json`), `${JSON.stringify(all, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, `${base}.md`), `${md.join('\n')}\n`);
  process.stdout.write(`${md.join('\n')}\n`);
}

await main();
