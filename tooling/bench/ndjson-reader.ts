/**
 * Benchmark of @etl/readers-ndjson: MiB/s of `NDJSONReader` against a plain `readline` +
 * `JSON.parse` loop on the same ~200 MiB file of realistic `l2_data` lines, plus each one's peak
 * RSS. Every measurement runs in its own child process, so one variant's heap never counts against
 * another's peak; variants alternate over three rounds and the median is reported.
 *
 *   npx tsx --conditions=@etl/source tooling/bench/ndjson-reader.ts [--compressed]
 *
 * `--compressed` also measures the same file as .gz and .zst (made once with node:zlib / the zstd
 * CLI). The input is generated deterministically in os.tmpdir() and reused by later runs.
 */
import { execFileSync, fork } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { NDJSONReader } from '../../packages/readers-ndjson/src/index.js';

const SELF = fileURLToPath(import.meta.url);
const TARGET_BYTES = 200 * 1024 * 1024;
const INPUT = path.join(tmpdir(), 'etl-bench-ndjson-reader-l2_data-200MiB-v1.ndjson');
const ROUNDS = 3;

/** Small seedable PRNG (mulberry32): the same seed gives the same file, byte for byte. */
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

function iso(ms: number, micros: number, suffix: string): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(((ms % 1000) * 1000 + micros) % 1_000_000).padStart(6, '0')}${suffix}`;
}

function envelope(ms: number, seq: number, type: string, updates: string): string {
  return (
    `{"capture_ts":"${iso(ms + 40, 123, '+00:00')}","data":{"channel":"l2_data","timestamp":"${iso(ms, 456, '789Z')}",` +
    `"sequence_num":${seq},"events":[{"type":"${type}","product_id":"BTC-USD","updates":[${updates}]}]},` +
    `"metadata":{"source":"coinbase","channel":"l2_data"}}\n`
  );
}

function level(side: string, time: string, price: number, size: string): string {
  return `{"side":"${side}","event_time":"${time}","price_level":"${price.toFixed(2)}","new_quantity":"${size}"}`;
}

/** A full-depth BTC-USD snapshot like the real one (46k levels, ~5 MB). */
function snapshotLine(random: () => number, ms: number, seq: number, mid: number): string {
  const parts: string[] = [];
  for (let i = 1; i <= 18_764; i++)
    parts.push(level('bid', '1970-01-01T00:00:00Z', mid - i * 0.01, (random() * 3).toFixed(8)));
  for (let i = 1; i <= 27_236; i++)
    parts.push(level('offer', '1970-01-01T00:00:00Z', mid + i * 0.01, (random() * 3).toFixed(8)));
  return envelope(ms, seq, 'snapshot', parts.join(','));
}

/** Writes the benchmark input once (to a temporary name, then renamed) and returns its path. */
export function ensureNdjsonBenchInput(file = INPUT, bytes = TARGET_BYTES): string {
  if (existsSync(file) && statSync(file).size >= bytes) return file;
  const random = prng(20260809);
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  let written = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  let ms = Date.UTC(2026, 7, 9, 21, 5, 48, 229);
  let seq = 0;
  let mid = 65083.66;
  let resubscribed = false;
  const flush = () => {
    const buf = Buffer.from(pending.join(''), 'utf8');
    writeSync(fd, buf);
    written += buf.length;
    pending = [];
    pendingBytes = 0;
  };
  while (written + pendingBytes < bytes) {
    // A resubscribe halfway through brings a second snapshot, as in a real segment.
    const resubscribe = !resubscribed && written + pendingBytes >= bytes / 2;
    if (resubscribe) resubscribed = true;
    const line =
      seq === 0 || resubscribe ? snapshotLine(random, ms, seq, mid) : updateLine(random, ms, seq, mid);
    pending.push(line);
    pendingBytes += line.length;
    if (pendingBytes >= 1 << 20) flush();
    seq++;
    ms += 1 + Math.floor(random() * 40);
    mid += (random() - 0.5) * 0.2;
  }
  if (pendingBytes > 0) flush();
  closeSync(fd);
  renameSync(temp, file);
  return file;
}

function updateLine(random: () => number, ms: number, seq: number, mid: number): string {
  // 1–12 updates per message, ~5.6 on average, as in production segments (600k rows / 107k msgs).
  const n = 1 + Math.floor(random() * random() * 12 + random() * 2);
  const time = iso(ms - 5, 0, 'Z');
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const bid = random() < 0.5;
    const price = bid ? mid - Math.floor(random() * 2000) * 0.01 : mid + Math.floor(random() * 2000) * 0.01;
    const size = random() < 0.3 ? '0' : (random() * 2).toFixed(8);
    parts.push(level(bid ? 'bid' : 'offer', time, price, size));
  }
  return envelope(ms, seq, 'update', parts.join(','));
}

type Variant = 'reader-json' | 'reader-text' | 'readline-json' | 'reader-json-gz' | 'reader-json-zst';

interface ChildResult {
  seconds: number;
  /** User + system CPU time: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  lines: number;
  peakRssMb: number;
}

/** Runs in the child: reads `file` one way and reports time, lines and peak RSS. */
async function measure(variant: Variant, file: string): Promise<ChildResult> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let lines = 0;
  let events = 0;
  if (variant === 'readline-json') {
    const rl = createInterface({
      input: createReadStream(file, { highWaterMark: 1 << 20 }),
      crlfDelay: Infinity,
    });
    for await (const line of rl) {
      if (!line) continue;
      const value = JSON.parse(line) as { data?: { events?: unknown[] } };
      lines++;
      events += value.data?.events?.length ?? 0;
    }
  } else {
    const reader = new NDJSONReader({ decode: variant === 'reader-text' ? 'text' : 'json' });
    for await (const batch of reader.read(file)) {
      for (const record of batch) {
        lines++;
        if (typeof record.value === 'string') events += record.value.length > 0 ? 1 : 0;
        else events += (record.value as { data?: { events?: unknown[] } }).data?.events?.length ?? 0;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  if (events === 0) throw new Error('nothing was read');
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    lines,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(variant: Variant, file: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--measure', variant, file], {
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

async function compressedInputs(file: string): Promise<Partial<Record<Variant, string>>> {
  const inputs: Partial<Record<Variant, string>> = {};
  const gz = `${file}.gz`;
  if (!existsSync(gz)) {
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(`${gz}.tmp`));
    renameSync(`${gz}.tmp`, gz);
  }
  inputs['reader-json-gz'] = gz;
  const zst = `${file}.zst`;
  try {
    if (!existsSync(zst)) execFileSync('zstd', ['-q', '-f', '-3', file, '-o', zst]);
    inputs['reader-json-zst'] = zst;
  } catch {
    // No zstd CLI here: the .zst variant is left out.
  }
  return inputs;
}

/**
 * Measures every variant (median of three rounds) and returns flat numbers:
 * `<variant>_mib_per_s` (of uncompressed input, wall time), `<variant>_mib_per_cpu_s` (CPU time,
 * GC threads included) and `<variant>_peak_rss_mb`, plus `input_mib` and `lines`.
 */
export async function runNdjsonReaderBench(
  options: { compressed?: boolean } = {},
): Promise<Record<string, number>> {
  const file = ensureNdjsonBenchInput();
  const inputMib = statSync(file).size / (1024 * 1024);
  const inputs: Partial<Record<Variant, string>> = {
    'reader-json': file,
    'readline-json': file,
    'reader-text': file,
    ...(options.compressed ? await compressedInputs(file) : {}),
  };
  const variants = Object.keys(inputs) as Variant[];
  const runs = new Map<Variant, ChildResult[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) runs.get(variant)!.push(await runChild(variant, inputs[variant]!));
  }
  const result: Record<string, number> = { input_mib: Math.round(inputMib * 10) / 10 };
  const lines = new Set<number>();
  for (const variant of variants) {
    const rs = runs.get(variant)!;
    for (const r of rs) lines.add(r.lines);
    result[`${variant}_mib_per_s`] = Math.round((inputMib / median(rs.map((r) => r.seconds))) * 10) / 10;
    result[`${variant}_mib_per_cpu_s`] =
      Math.round((inputMib / median(rs.map((r) => r.cpuSeconds))) * 10) / 10;
    result[`${variant}_peak_rss_mb`] = Math.round(median(rs.map((r) => r.peakRssMb)));
  }
  // Every variant must have seen the same lines, or the comparison means nothing.
  if (lines.size !== 1) throw new Error(`variants disagree on the line count: ${[...lines].join(', ')}`);
  result.lines = [...lines][0]!;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    process.stdout.write(JSON.stringify(await measure(args[1] as Variant, args[2]!)));
  } else {
    const result = await runNdjsonReaderBench({ compressed: args.includes('--compressed') });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}
