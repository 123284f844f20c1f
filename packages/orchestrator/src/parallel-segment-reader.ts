/**
 * Reads a plain (uncompressed) segment with several worker threads: the file is cut into byte
 * ranges ("chunks"); each worker reads and scans the lines that begin in its chunks (line
 * splitting and the l2_data scanner, the main thread's largest cost) and hands them back as
 * typed arrays; the main thread takes the chunks in file order, so records come out exactly as
 * the single-threaded NDJSONReader yields them: same values, line numbers, quarantine entries
 * and stats. Lines the scanner does not take are decoded and parsed here, with the reader's
 * checks. A further thread hashes the file (the input's SHA-256, for its manifest) in order.
 *
 * At most two chunks per worker are in flight, so memory stays bounded whatever the file size.
 */

import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  EtlError,
  type Logger,
  type QuarantineSink,
  type Reader,
  type SourceRecord,
  type Stats,
  StatsCollector,
  silentLogger,
  TooManyErrorsError,
} from '@etl/core';
import { decodeScannedFrames } from '@etl/processors-coinbase';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_LINE_BYTES,
  JsonLineDecoder,
  rawLineText,
} from '@etl/readers-ndjson';
import type { ScanReject, ScanWorkerData, ScanWorkerMessage } from './segment-scan-protocol.js';

/** Bytes per chunk: small enough that workers stay busy and little is buffered. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface ParallelSegmentReaderOptions {
  /** Scan workers (at least 1). */
  readonly workers: number;
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
  readonly batchSize?: number;
  readonly maxErrors?: number;
  readonly maxLineBytes?: number;
  readonly chunkBytes?: number;
  /** The file's SHA-256 (hex) and its size as hashed, once every chunk was read. */
  readonly onDigest?: (sha256: string, bytes: number) => void;
}

const COUNTERS = ['files', 'blank_lines', 'invalid_json', 'truncated_line', 'line_too_long', 'invalid_utf8'];

function startScanWorker(data: ScanWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    const url = new URL('./segment-scan-worker.js', here);
    return new Worker(url, { workerData: data });
  }
  // Running from TypeScript sources (tests): load the worker's source through tsx, as the
  // writer's encode pool does.
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
  }
  const entry = new URL('./segment-scan-worker.ts', here).href;
  const code = `(async () => { const { tsImport } = await import(${JSON.stringify(tsx)}); await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}); })();`;
  return new Worker(code, { eval: true, workerData: data });
}

// Plain CommonJS, so it needs no loader: reads the file in order and hashes it.
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const fd = openSync(workerData.file, 'r');
const buf = Buffer.allocUnsafe(1 << 20);
let bytes = 0;
try {
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; bytes += n) hash.update(buf.subarray(0, n));
} finally {
  closeSync(fd);
}
parentPort.postMessage({ sha256: hash.digest('hex'), bytes });
`;

function hashFile(file: string): { result: Promise<{ sha256: string; bytes: number }>; stop: () => void } {
  const worker = new Worker(HASH_WORKER, { eval: true, workerData: { file } });
  const result = new Promise<{ sha256: string; bytes: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hashing ${file} stopped (exit ${code})`)));
  });
  // Awaited only after reading; a failure before that is reported then, not as unhandled.
  result.catch(() => {});
  return { result, stop: () => void worker.terminate() };
}

export class ParallelSegmentReader implements Reader<SourceRecord> {
  private readonly collector = new StatsCollector('ndjson-reader');
  private readonly logger: Logger;
  private readonly maxErrors: number;
  private readonly decoder = new JsonLineDecoder();

  constructor(private readonly options: ParallelSegmentReaderOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new EtlError(`workers must be a positive integer, got ${options.workers}`, 'E_CONFIG');
    this.logger = options.logger ?? silentLogger;
    this.maxErrors = options.maxErrors ?? Number.POSITIVE_INFINITY;
    for (const name of COUNTERS) this.collector.count(name, 0);
  }

  stats(): Stats {
    return this.collector.snapshot();
  }

  async *read(file: string): AsyncGenerator<SourceRecord[]> {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      throw new EtlError(`cannot read ${file}: ${(error as Error).message}`, 'E_READ', { cause: error });
    }
    this.collector.count('files');
    const chunkBytes = this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const chunks: { start: number; end: number }[] = [];
    for (let start = 0; start < size; start += chunkBytes)
      chunks.push({ start, end: Math.min(size, start + chunkBytes) });
    const data: ScanWorkerData = {
      file,
      batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
      maxLineBytes: this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    };
    const workers = Array.from({ length: Math.max(1, Math.min(this.options.workers, chunks.length)) }, () =>
      startScanWorker(data),
    );
    const hash = hashFile(file);
    const inbox = new Map<number, ScanWorkerMessage[]>();
    let failure: unknown;
    let stopping = false;
    let wake: (() => void) | undefined;
    for (const worker of workers) {
      worker.on('message', (m: ScanWorkerMessage) => {
        let list = inbox.get(m.chunk);
        if (!list) inbox.set(m.chunk, (list = []));
        list.push(m);
        wake?.();
      });
      worker.on('error', (error) => {
        failure ??= error;
        wake?.();
      });
      // A worker that stops while chunks are still owed would leave the reader waiting forever.
      worker.on('exit', (code) => {
        if (!stopping)
          failure ??= new EtlError(`${file}: a scan worker stopped (exit code ${code})`, 'E_READ');
        wake?.();
      });
    }
    const assign = (chunk: number) => {
      const range = chunks[chunk];
      if (range) workers[chunk % workers.length]!.postMessage({ type: 'chunk', chunk, ...range });
    };
    const next = async (chunk: number): Promise<ScanWorkerMessage> => {
      for (;;) {
        if (failure !== undefined) throw failure;
        const list = inbox.get(chunk);
        if (list && list.length > 0) return list.shift()!;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    };
    const batchSize = data.batchSize;
    let out: SourceRecord[] = [];
    try {
      for (let c = 0; c < 2 * workers.length; c++) assign(c);
      let base = 0;
      for (let c = 0; c < chunks.length; c++) {
        for (;;) {
          const m = await next(c);
          if (m.type === 'error') {
            throw new EtlError(`${m.message} (${file}, after line ${base})`, m.code ?? 'E_READ');
          }
          if (m.type === 'end') {
            this.rejectBefore(file, base, m.rejects, Number.POSITIVE_INFINITY);
            const s = m.stats;
            const stats = this.collector;
            stats.recordsIn += s.recordsIn;
            stats.recordsOut += s.recordsOut;
            stats.bytesIn += s.bytesIn;
            const blank = s.counters.blank_lines ?? 0;
            stats.count('blank_lines', blank);
            base += s.recordsIn + blank;
            break;
          }
          // Records in batches of batchSize across chunks, and the reader's quarantine entries
          // between them where their lines fall: both as the single-threaded reader makes them.
          const frames = decodeScannedFrames(m.frames);
          const { scanned, lines, bytes, rawData, rawEnds, rawTerminated, rejects } = m;
          const decoder = this.decoder;
          let f = 0;
          let r = 0;
          let rawStart = 0;
          this.rejectIndex = 0;
          for (let i = 0; i < scanned.length; i++) {
            const local = lines[i]!;
            this.rejectBefore(file, base, rejects, local);
            const line = base + local;
            let value: unknown;
            if (scanned[i] === 1) value = frames[f++];
            else {
              const text = rawData.subarray(rawStart, rawEnds[r]!);
              const terminated = rawTerminated[r] === 1;
              rawStart = rawEnds[r++]!;
              value = decoder.decodeJson(text, terminated);
              if (value === undefined) {
                // Counted by the worker as handed on; it is not.
                this.collector.recordsOut--;
                this.collector.count(decoder.kind);
                this.reject(file, line, decoder.reason, rawLineText(text));
                continue;
              }
            }
            out.push({ file, line, bytes: bytes[i]!, value });
            if (out.length >= batchSize) {
              yield out;
              out = [];
            }
          }
          this.rejectBefore(file, base, rejects, Number.POSITIVE_INFINITY);
        }
        inbox.delete(c);
        assign(c + 2 * workers.length);
      }
      if (out.length > 0) yield out;
      const digest = await hash.result;
      this.options.onDigest?.(digest.sha256, digest.bytes);
    } finally {
      stopping = true;
      hash.stop();
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }

  /** Next of the current list of worker rejects to report. */
  private rejectIndex = 0;

  /** Quarantines the worker's rejected lines (chunk-local numbers) that come before `local`. */
  private rejectBefore(file: string, base: number, rejects: readonly ScanReject[], local: number): void {
    while (this.rejectIndex < rejects.length && rejects[this.rejectIndex]!.line < local) {
      const q = rejects[this.rejectIndex++]!;
      this.collector.count('line_too_long');
      this.reject(file, base + q.line, q.reason, q.raw);
    }
    if (local === Number.POSITIVE_INFINITY) this.rejectIndex = 0;
  }

  private reject(file: string, line: number, reason: string, raw: string): void {
    const c = this.collector;
    c.errors++;
    this.options.quarantine?.put({ file, line, reason, raw, stage: 'reader' });
    this.logger.warn(`${file}:${line}: ${reason}`, { file, line, reason });
    if (c.errors > this.maxErrors) throw new TooManyErrorsError(file, c.errors, this.maxErrors);
  }
}
