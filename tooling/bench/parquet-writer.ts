/**
 * Benchmark of @etl/writer-parquet: 2 M generated level2 rows (the row contract's shape) written
 * to Hive-partitioned Parquet (`product_id`, `date`) with zstd and with snappy — rows/s, MiB/s of
 * output, output size and peak RSS — and the same rows written by DuckDB (`COPY … (FORMAT parquet)`
 * from an in-memory table) for a size reference. Also writes the real Coinbase level2 capture of
 * the fixtures with both codecs.
 *
 *   npx tsx --conditions=@etl/source tooling/bench/parquet-writer.ts [--rows 2000000] [--rounds 1]
 *
 * Every measurement runs in its own child process so one variant's heap never counts against
 * another's peak RSS. Rows are generated batch by batch while writing (as a parser would hand them
 * over); the `generate` variant measures the generator alone, and writer throughput is reported
 * with that time subtracted.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Row, utcDateKey, utcHourKey } from '../../packages/core/src/index.js';
import {
  L2_FIXTURE,
  level2Schema,
  readLevel2Rows,
  SEGMENT_FIXTURE,
} from '../../packages/writer-parquet/src/__fixtures__/level2.js';
import { type ParquetCompression, ParquetWriter } from '../../packages/writer-parquet/src/index.js';

const SELF = fileURLToPath(import.meta.url);
const DEFAULT_ROWS = 2_000_000;
const BATCH_ROWS = 8192;
const MIB = 1024 * 1024;

/** Small seedable PRNG (mulberry32): the same seed gives the same rows. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Level2 update rows as the Coinbase parser emits them: messages of 1–12 updates (~5.6 on average)
 * a few ms apart, prices on a 0.01 tick within 20 $ of a random-walk mid, 8-decimal sizes (30 %
 * deletes), µs event times, ns server times, µs capture times; 70 % BTC-USD, 30 % ETH-USD.
 */
export function* level2Batches(total: number, seed = 20260809): Generator<Row[]> {
  const random = prng(seed);
  let serverNs = 1_786_309_548_483_587_501n;
  let seq = 0n;
  let btcMid = 65_083.66;
  let ethMid = 3_512.4;
  let produced = 0;
  let batch: Row[] = [];
  while (produced < total) {
    const btc = random() < 0.7;
    const productId = btc ? 'BTC-USD' : 'ETH-USD';
    const mid = btc ? btcMid : ethMid;
    const eventNs = (serverNs / 1000n) * 1000n - 250_000n;
    const captureNs = (serverNs / 1000n) * 1000n + 41_000n;
    const date = utcDateKey(eventNs);
    const hour = utcHourKey(eventNs);
    const n = Math.min(total - produced, 1 + Math.floor(random() * random() * 12 + random() * 2));
    for (let i = 0; i < n; i++) {
      const bid = random() < 0.5;
      const ticks = Math.floor(random() * 2000);
      const price = Math.round((bid ? mid - ticks * 0.01 : mid + ticks * 0.01) * 100) / 100;
      const quantity = random() < 0.3 ? 0 : Math.round(random() * 2e8) / 1e8;
      batch.push({
        product_id: productId,
        event_type: 'update',
        is_snapshot: false,
        side: bid ? 'bid' : 'offer',
        side_normalized: bid ? 'bid' : 'ask',
        price_level: price,
        new_quantity: quantity,
        event_time: eventNs,
        server_timestamp: serverNs,
        capture_timestamp: captureNs,
        sequence_num: seq,
        client_id: null,
        channel: 'l2_data',
        date,
        hour,
      });
      if (batch.length === BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
    produced += n;
    seq++;
    serverNs += BigInt(1_000_000 + Math.floor(random() * 6_000_000)) + BigInt(Math.floor(random() * 1000));
    if (btc) btcMid = Math.round((btcMid + (random() - 0.5) * 0.4) * 100) / 100;
    else ethMid = Math.round((ethMid + (random() - 0.5) * 0.04) * 100) / 100;
  }
  if (batch.length > 0) yield batch;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function parquetBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.parquet')) total += statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

type Variant = 'generate' | 'zstd' | 'snappy' | 'duckdb';

interface ChildResult {
  seconds: number;
  /** User + system CPU time: the machine is shared, so wall time alone is noisy. */
  cpuSeconds: number;
  rows: number;
  bytes: number;
  peakRssMb: number;
  /** DuckDB only: zstd and snappy output sizes and COPY times. */
  duckdb?: {
    zstdBytes: number;
    zstdSeconds: number;
    zstdCpuSeconds: number;
    snappyBytes: number;
    snappySeconds: number;
    snappyCpuSeconds: number;
  };
}

async function writeGenerated(
  compression: ParquetCompression,
  rows: number,
  dir: string,
): Promise<ChildResult> {
  const writer = new ParquetWriter({ compression });
  const session = writer.open({
    path: dir,
    schema: level2Schema,
    partitionCols: ['product_id', 'date'],
    inputId: 'bench',
  });
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (const batch of level2Batches(rows)) await session.write(batch);
  const result = await session.close();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuSeconds = cpuSince(cpu);
  return {
    seconds,
    cpuSeconds,
    rows: result.rows,
    bytes: result.bytes,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** DuckDB writes the same rows (loaded from our snappy output) from an in-memory table. */
async function writeWithDuckDb(source: string, dir: string): Promise<ChildResult> {
  mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(
    `CREATE TABLE level2 AS SELECT * FROM read_parquet('${source}/**/*.parquet', hive_partitioning=true)`,
  );
  const rows = Number((await db.runAndReadAll('SELECT count(*) AS n FROM level2')).getRowObjects()[0]?.n);
  const copy = async (codec: string) => {
    const out = path.join(dir, codec);
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await db.run(
      `COPY level2 TO '${out}' (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (product_id, date))`,
    );
    return {
      seconds: Number(process.hrtime.bigint() - start) / 1e9,
      cpuSeconds: cpuSince(cpu),
      bytes: parquetBytes(out),
    };
  };
  const zstd = await copy('zstd');
  const snappy = await copy('snappy');
  db.closeSync();
  instance.closeSync();
  return {
    seconds: zstd.seconds,
    cpuSeconds: zstd.cpuSeconds,
    rows,
    bytes: zstd.bytes,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    duckdb: {
      zstdBytes: zstd.bytes,
      zstdSeconds: zstd.seconds,
      zstdCpuSeconds: zstd.cpuSeconds,
      snappyBytes: snappy.bytes,
      snappySeconds: snappy.seconds,
      snappyCpuSeconds: snappy.cpuSeconds,
    },
  };
}

/** Runs in the child: one variant, reported as JSON on stdout. */
async function measure(variant: Variant, rows: number, dir: string, source: string): Promise<ChildResult> {
  if (variant === 'generate') {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    let n = 0;
    for (const batch of level2Batches(rows)) n += batch.length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return {
      seconds,
      cpuSeconds: cpuSince(cpu),
      rows: n,
      bytes: 0,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  }
  if (variant === 'duckdb') return writeWithDuckDb(source, dir);
  return writeGenerated(variant, rows, dir);
}

function runChild(variant: Variant, rows: number, dir: string, source = ''): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--measure', variant, String(rows), dir, source], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${variant} exited with ${code}`));
      else resolve(JSON.parse(out) as ChildResult);
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The real capture, in process (≈51 k rows): median of five writes per codec. */
async function fixtureRuns(work: string): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const [name, file] of [
    ['fixture_l2', L2_FIXTURE],
    ['fixture_segment', SEGMENT_FIXTURE],
  ] as const) {
    const rows = await readLevel2Rows(file);
    result[`${name}_rows`] = rows.length;
    for (const compression of ['zstd', 'snappy'] as const) {
      const times: number[] = [];
      const cpus: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 5; i++) {
        const dir = path.join(work, `${name}-${compression}-${i}`);
        const session = new ParquetWriter({ compression }).open({
          path: dir,
          schema: level2Schema,
          partitionCols: ['product_id', 'date'],
          inputId: 'fixture',
        });
        const start = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        for (let j = 0; j < rows.length; j += BATCH_ROWS) await session.write(rows.slice(j, j + BATCH_ROWS));
        bytes = (await session.close()).bytes;
        times.push(Number(process.hrtime.bigint() - start) / 1e9);
        cpus.push(cpuSince(cpu));
      }
      result[`${name}_${compression}_bytes`] = bytes;
      result[`${name}_${compression}_rows_per_s`] = Math.round(rows.length / median(times));
      result[`${name}_${compression}_rows_per_cpu_s`] = Math.round(rows.length / median(cpus));
    }
  }
  return result;
}

/**
 * Measures everything and returns flat numbers: per codec `<codec>_rows_per_s` and
 * `<codec>_rows_per_cpu_s` (writer only, the generator's time subtracted), `<codec>_output_mib_per_s`, `<codec>_output_mib`,
 * `<codec>_peak_rss_mb`; `duckdb_<codec>_output_mib` and `duckdb_<codec>_seconds`; and the same
 * sizes and speeds for the real fixture captures.
 */
export async function runParquetWriterBench(
  options: { rows?: number; rounds?: number } = {},
): Promise<Record<string, number>> {
  const rows = options.rows ?? DEFAULT_ROWS;
  const rounds = options.rounds ?? 1;
  const work = mkdtempSync(path.join(tmpdir(), 'etl-bench-parquet-writer-'));
  try {
    const runs = new Map<Variant, ChildResult[]>();
    const variants: Variant[] = ['generate', 'zstd', 'snappy'];
    for (let r = 0; r < rounds; r++) {
      for (const variant of variants) {
        const dir = path.join(work, `${variant}-${r}`);
        const result = await runChild(variant, rows, dir);
        if (result.rows !== rows) throw new Error(`${variant} wrote ${result.rows} rows, expected ${rows}`);
        runs.set(variant, [...(runs.get(variant) ?? []), result]);
      }
    }
    const generateSeconds = median(runs.get('generate')!.map((r) => r.seconds));
    const generateCpu = median(runs.get('generate')!.map((r) => r.cpuSeconds));
    const out: Record<string, number> = {
      rows,
      generate_seconds: round(generateSeconds, 2),
      generate_cpu_seconds: round(generateCpu, 2),
      generate_peak_rss_mb: Math.round(median(runs.get('generate')!.map((r) => r.peakRssMb))),
    };
    for (const codec of ['zstd', 'snappy'] as const) {
      const rs = runs.get(codec)!;
      const seconds = median(rs.map((r) => r.seconds));
      const writeSeconds = seconds - generateSeconds;
      const writeCpu = median(rs.map((r) => r.cpuSeconds)) - generateCpu;
      const bytes = rs[0]!.bytes;
      out[`${codec}_seconds_total`] = round(seconds, 2);
      out[`${codec}_rows_per_s`] = Math.round(rows / writeSeconds);
      out[`${codec}_rows_per_cpu_s`] = Math.round(rows / writeCpu);
      out[`${codec}_rows_per_s_with_generation`] = Math.round(rows / seconds);
      out[`${codec}_output_mib`] = round(bytes / MIB, 2);
      out[`${codec}_output_mib_per_s`] = round(bytes / MIB / writeSeconds, 2);
      out[`${codec}_bytes_per_row`] = round(bytes / rows, 2);
      out[`${codec}_peak_rss_mb`] = Math.round(median(rs.map((r) => r.peakRssMb)));
    }
    const duck = await runChild('duckdb', rows, path.join(work, 'duckdb'), path.join(work, 'snappy-0'));
    if (duck.rows !== rows) throw new Error(`DuckDB loaded ${duck.rows} rows, expected ${rows}`);
    out.duckdb_zstd_output_mib = round(duck.duckdb!.zstdBytes / MIB, 2);
    out.duckdb_zstd_seconds = round(duck.duckdb!.zstdSeconds, 2);
    out.duckdb_zstd_cpu_seconds = round(duck.duckdb!.zstdCpuSeconds, 2);
    out.duckdb_snappy_output_mib = round(duck.duckdb!.snappyBytes / MIB, 2);
    out.duckdb_snappy_seconds = round(duck.duckdb!.snappySeconds, 2);
    out.duckdb_snappy_cpu_seconds = round(duck.duckdb!.snappyCpuSeconds, 2);
    out.duckdb_peak_rss_mb = Math.round(duck.peakRssMb);
    Object.assign(out, await fixtureRuns(work));
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    const result = await measure(args[1] as Variant, Number(args[2]), args[3]!, args[4] ?? '');
    process.stdout.write(JSON.stringify(result));
  } else {
    const flag = (name: string) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : undefined);
    const result = await runParquetWriterBench({ rows: flag('--rows'), rounds: flag('--rounds') });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}
