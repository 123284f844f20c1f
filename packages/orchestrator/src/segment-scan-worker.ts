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
  const scanned = new Uint8Array(n);
  const lines = new Float64Array(n);
  const bytes = new Float64Array(n);
  const frames: ScannedLevel2Frame[] = [];
  const raws: RawLine[] = [];
  let rawBytes = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    lines[i] = r.line;
    bytes[i] = r.bytes ?? 0;
    if (r.value instanceof ScannedLevel2Frame) {
      scanned[i] = 1;
      frames.push(r.value);
    } else {
      const raw = r.value as RawLine;
      raws.push(raw);
      rawBytes += raw.bytes.length;
    }
  }
  const rawData = new Uint8Array(rawBytes);
  const rawEnds = new Uint32Array(raws.length);
  const rawTerminated = new Uint8Array(raws.length);
  let at = 0;
  for (let j = 0; j < raws.length; j++) {
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
      post(batch, [
        batch.scanned.buffer,
        batch.lines.buffer,
        batch.bytes.buffer,
        batch.rawData.buffer,
        batch.rawEnds.buffer,
        batch.rawTerminated.buffer,
        ...scannedFrameBuffers(batch.frames),
      ] as ArrayBuffer[]);
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
