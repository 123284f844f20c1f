/**
 * Benchmark of the `l2_data` fast path against the plain path, in one process on the same lines:
 *
 *   - plain: UTF-8 decode + `JSON.parse` + `RawParser` (what every line got before the scanner);
 *   - scanner: `AdvancedTradeLineScanner` on the line's bytes + `RawParser` on the scanned frame.
 *
 * Both make the same level2 rows (checked here by count; the differential tests check values).
 * Input: the update lines of the NDJSON reader bench's generated segment (its 5 MB snapshot lines
 * are left out, so the numbers are those of the common line). Rounds alternate; the fastest round
 * of each is kept.
 *
 *   npx tsx --conditions=@etl/source tooling/bench/line-scanner.ts
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceRecord } from '../../packages/core/src/index.js';
import { AdvancedTradeLineScanner, RawParser } from '../../packages/processors-coinbase/src/index.js';
import { ensureNdjsonBenchInput } from './ndjson-reader.js';

const SELF = fileURLToPath(import.meta.url);
const SAMPLE_BYTES = 48 * 1024 * 1024;
const ROUNDS = 5;
const BATCH = 128;

/** The update lines of the first {@link SAMPLE_BYTES} of the generated segment, as bytes. */
function sampleLines(): Buffer[] {
  const fd = openSync(ensureNdjsonBenchInput(), 'r');
  const buf = Buffer.alloc(SAMPLE_BYTES);
  const n = readSync(fd, buf, 0, SAMPLE_BYTES, 0);
  closeSync(fd);
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < n; nl = buf.indexOf(10, start)) {
    const line = buf.subarray(start, nl);
    if (line.length < 100_000) lines.push(line);
    start = nl + 1;
  }
  return lines;
}

type Variant = 'plain' | 'scanner';

/** Seconds to turn every line into rows, and the number of rows. */
function round(variant: Variant, lines: readonly Buffer[]): { seconds: number; rows: number } {
  const parser = new RawParser({ source: 'coinbase' });
  const scanner = new AdvancedTradeLineScanner();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rows = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i += BATCH) {
    const batch: SourceRecord[] = [];
    for (let j = i; j < Math.min(i + BATCH, lines.length); j++) {
      const line = lines[j]!;
      const value =
        variant === 'scanner'
          ? (scanner.parse(line, 0, line.length) ?? JSON.parse(decoder.decode(line)))
          : JSON.parse(decoder.decode(line));
      batch.push({ file: 'bench', line: j + 1, bytes: line.length + 1, value });
    }
    rows += parser.process(batch).length;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rows };
}

export interface LineScannerBenchResult {
  readonly lines: number;
  readonly input_mib: number;
  readonly plain_mib_per_s: number;
  readonly scanner_mib_per_s: number;
  /** scanner / plain throughput. */
  readonly ratio: number;
}

export function runLineScannerBench(): LineScannerBenchResult {
  const lines = sampleLines();
  const mib = lines.reduce((n, l) => n + l.length + 1, 0) / (1024 * 1024);
  const best: Record<Variant, number> = {
    plain: Number.POSITIVE_INFINITY,
    scanner: Number.POSITIVE_INFINITY,
  };
  const rows = new Set<number>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of ['plain', 'scanner'] as const) {
      const result = round(variant, lines);
      rows.add(result.rows);
      best[variant] = Math.min(best[variant], result.seconds);
    }
  }
  if (rows.size !== 1) throw new Error(`the paths disagree on the row count: ${[...rows].join(', ')}`);
  const plain = mib / best.plain;
  const scanner = mib / best.scanner;
  return {
    lines: lines.length,
    input_mib: Math.round(mib * 10) / 10,
    plain_mib_per_s: Math.round(plain * 10) / 10,
    scanner_mib_per_s: Math.round(scanner * 10) / 10,
    ratio: Math.round((scanner / plain) * 100) / 100,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  process.stdout.write(`${JSON.stringify(runLineScannerBench(), null, 2)}\n`);
}
