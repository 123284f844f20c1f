/**
 * The encode worker thread, shared by every session of the process: sessions hand over row
 * groups (typed arrays, transferred, not copied) and keep parsing while the worker encodes,
 * compresses and writes. At most {@link MAX_IN_FLIGHT_BYTES} of row groups wait in the worker's
 * queue; past that, `room()` makes the caller wait, so memory stays bounded.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { columnBufferPool } from './buffer-pool.js';
import { type ColumnChunk, transferablesOf } from './column-chunk.js';
import type { EncodeReply, EncodeRequest } from './encode-protocol.js';

/** Row-group bytes queued for the worker before writers wait (plus the one being sent). */
const MAX_IN_FLIGHT_BYTES = 12 * 1024 * 1024;

type Pending = { resolve: (reply: EncodeReply) => void; reject: (error: Error) => void; bytes: number };

/** Spreads the distributive `seq` omission over every request kind. */
type RequestBody = EncodeRequest extends infer R ? (R extends EncodeRequest ? Omit<R, 'seq'> : never) : never;

/**
 * The worker keeps little alive (one row group at a time, footers as bytes): a small young
 * generation is plenty and keeps its memory down.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    return new Worker(new URL('./encode-worker.js', here), { resourceLimits: WORKER_LIMITS });
  }
  // Running from TypeScript sources (tests): load the worker's source through tsx.
  // tsx's ESM entry works inside a process already running under tsx; its CJS entry does not.
  // Vitest's module runner has no import.meta.resolve, so fall back to require resolution there.
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
  }
  const entry = new URL('./encode-worker.ts', here).href;
  const code = `(async () => { const { tsImport } = await import(${JSON.stringify(tsx)}); await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}); })();`;
  return new Worker(code, { eval: true, resourceLimits: WORKER_LIMITS });
}

export class EncodePool {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: (() => void)[] = [];
  private seq = 0;
  private nextFile = 1;
  private inFlightBytes = 0;
  private broken: Error | undefined;

  private constructor() {
    this.worker = startWorker();
    this.worker.unref();
    this.worker.on('message', (reply: EncodeReply) => this.settle(reply));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`parquet encode worker exited with code ${code}`)));
  }

  private static sharedPool: EncodePool | undefined;

  /** The process's encode worker, started on first use (and again after it died). */
  static shared(): EncodePool {
    if (!EncodePool.sharedPool || EncodePool.sharedPool.broken) EncodePool.sharedPool = new EncodePool();
    return EncodePool.sharedPool;
  }

  /** A new file id. */
  fileId(): number {
    return this.nextFile++;
  }

  /** Sends a request; the promise settles with the worker's reply (rejects if the worker died). */
  request(body: RequestBody): Promise<EncodeReply> {
    if (this.broken) return Promise.reject(this.broken);
    const seq = ++this.seq;
    const chunks: ColumnChunk[] | undefined = body.op === 'rows' ? body.chunks : undefined;
    let bytes = 0;
    if (chunks)
      for (const c of chunks) bytes += c.values.buffer.byteLength + (c.valid?.buffer.byteLength ?? 0);
    const promise = new Promise<EncodeReply>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, bytes });
    });
    if (this.pending.size === 1) this.worker.ref();
    this.inFlightBytes += bytes;
    const message = { ...body, seq } as EncodeRequest;
    this.worker.postMessage(message, chunks ? transferablesOf(chunks) : []);
    return promise;
  }

  /** Resolves once the queue is below its byte limit. */
  room(): Promise<void> {
    if (this.inFlightBytes <= MAX_IN_FLIGHT_BYTES || this.broken) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private settle(reply: EncodeReply): void {
    const entry = this.pending.get(reply.seq);
    if (!entry) return;
    this.pending.delete(reply.seq);
    this.inFlightBytes -= entry.bytes;
    if (this.pending.size === 0) this.worker.unref();
    if (reply.buffers) for (const buffer of reply.buffers) columnBufferPool.give(buffer);
    entry.resolve(reply);
    this.wake();
  }

  private wake(): void {
    while (this.waiting.length > 0 && (this.inFlightBytes <= MAX_IN_FLIGHT_BYTES || this.broken)) {
      this.waiting.shift()!();
    }
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
    this.inFlightBytes = 0;
    this.wake();
  }
}
