/**
 * Worker thread of {@link ParallelSegmentReader}: reads the chunks (byte ranges) of a segment it
 * is given, in the order given, with the NDJSON reader and the l2_data line scanner, and posts
 * each batch back as typed arrays (scanned frames encoded, other lines undecoded: the main thread
 * decodes and parses those, so every check and quarantine reason stays the reader's).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, type QuarantineEntry, type SourceRecord } from '@etl/core';
import {
  AdvancedTradeLineScanner,
  encodeScannedFrames,
  ScannedLevel2Frame,
  scannedFrameBuffers,
} from '@etl/processors-coinbase';
import { NDJSONReader, type RawLine } from '@etl/readers-ndjson';
import type {
  ScanBatch,
  ScanChunkRequest,
  ScanReject,
  ScanWorkerData,
  ScanWorkerMessage,
} from './segment-scan-protocol.js';

const port = parentPort!;
const data = workerData as ScanWorkerData;
const scanner = new AdvancedTradeLineScanner();
const queue: ScanChunkRequest[] = [];
let running = false;

function post(message: ScanWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function encodeBatch(chunk: number, records: readonly SourceRecord[], rejects: ScanReject[]): ScanBatch {
  const n = records.length;
  const frames: ScannedLevel2Frame[] = [];
  const raws: RawLine[] = [];
  let rawBytes = 0;
  for (let i = 0; i < n; i++) {
    const value = records[i]!.value;
    if (value instanceof ScannedLevel2Frame) frames.push(value);
    else {
      raws.push(value as RawLine);
      rawBytes += (value as RawLine).bytes.length;
    }
  }
  // One buffer for the batch's arrays (few large buffers keep the GC's external-memory
  // accounting and the transfer cheap): line numbers and sizes, raw line ends, then bytes.
  const m = raws.length;
  const buffer = new ArrayBuffer(16 * n + 4 * m + n + m + rawBytes);
  const lines = new Float64Array(buffer, 0, n);
  const bytes = new Float64Array(buffer, 8 * n, n);
  const rawEnds = new Uint32Array(buffer, 16 * n, m);
  const scanned = new Uint8Array(buffer, 16 * n + 4 * m, n);
  const rawTerminated = new Uint8Array(buffer, 16 * n + 4 * m + n, m);
  const rawData = new Uint8Array(buffer, 16 * n + 4 * m + n + m, rawBytes);
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    lines[i] = r.line;
    bytes[i] = r.bytes ?? 0;
    scanned[i] = r.value instanceof ScannedLevel2Frame ? 1 : 0;
  }
  let at = 0;
  for (let j = 0; j < m; j++) {
    const raw = raws[j]!;
    rawData.set(raw.bytes, at);
    at += raw.bytes.length;
    rawEnds[j] = at;
    rawTerminated[j] = raw.terminated ? 1 : 0;
  }
  return {
    type: 'batch',
    chunk,
    scanned,
    lines,
    bytes,
    frames: encodeScannedFrames(frames),
    rawData,
    rawEnds,
    rawTerminated,
    rejects: rejects.splice(0),
  };
}

async function readChunk(request: ScanChunkRequest): Promise<void> {
  const rejects: ScanReject[] = [];
  const quarantine = {
    put: (entry: QuarantineEntry) => rejects.push({ line: entry.line, reason: entry.reason, raw: entry.raw }),
  };
  const reader = new NDJSONReader({
    lineParser: scanner,
    rawLines: true,
    batchSize: data.batchSize,
    maxLineBytes: data.maxLineBytes,
    quarantine,
  });
  try {
    for await (const records of reader.read(data.file, { start: request.start, end: request.end })) {
      const batch = encodeBatch(request.chunk, records, rejects);
      post(batch, [batch.lines.buffer as ArrayBuffer, ...scannedFrameBuffers(batch.frames)]);
    }
    post({ type: 'end', chunk: request.chunk, stats: reader.stats(), rejects });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    post({
      type: 'error',
      chunk: request.chunk,
      message: errorMessage(error),
      code: typeof code === 'string' ? code : undefined,
    });
  }
}

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  while (queue.length > 0) await readChunk(queue.shift()!);
  running = false;
}

port.on('message', (request: ScanChunkRequest) => {
  queue.push(request);
  void drain();
});
