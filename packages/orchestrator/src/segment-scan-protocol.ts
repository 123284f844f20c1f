/**
 * Messages between {@link ParallelSegmentReader} and its scan workers (segment-scan-worker.ts).
 * A segment is cut into byte ranges ("chunks"); the main thread assigns chunks to workers, a
 * worker reads the lines that begin in its chunk and scans them, and sends them back as batches
 * of typed arrays whose buffers are transferred, not copied.
 */
import type { Stats } from '@etl/core';
import type { EncodedScannedFrames } from '@etl/processors-coinbase';

/** What the main thread tells a worker once it starts. */
export interface ScanWorkerData {
  readonly file: string;
  readonly batchSize: number;
  readonly maxLineBytes: number;
}

/** Main → worker: read the lines that begin in `[start, end)`. */
export interface ScanChunkRequest {
  readonly type: 'chunk';
  readonly chunk: number;
  readonly start: number;
  readonly end: number;
}

/** A line the worker's reader quarantined (too long), line numbered within its chunk. */
export interface ScanReject {
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
}

/**
 * Worker → main: records of a chunk, in order. Record i is line `lines[i]` (within the chunk) of
 * `bytes[i]` bytes; `scanned[i]` 1 takes the next frame of `frames`, 0 the next undecoded line
 * (`rawData[rawEnds[j-1], rawEnds[j])`, with its terminator flag).
 */
export interface ScanBatch {
  readonly type: 'batch';
  readonly chunk: number;
  readonly scanned: Uint8Array;
  readonly lines: Float64Array;
  readonly bytes: Float64Array;
  readonly frames: EncodedScannedFrames;
  readonly rawData: Uint8Array;
  readonly rawEnds: Uint32Array;
  readonly rawTerminated: Uint8Array;
  /** Lines quarantined by the reader before this batch's last record. */
  readonly rejects: readonly ScanReject[];
}

/** Worker → main: the chunk is done; its reader's stats (lines = recordsIn + blank lines). */
export interface ScanChunkEnd {
  readonly type: 'end';
  readonly chunk: number;
  readonly stats: Stats;
  readonly rejects: readonly ScanReject[];
}

/** Worker → main: reading failed (the message names what). */
export interface ScanFailure {
  readonly type: 'error';
  readonly chunk: number;
  readonly message: string;
  readonly code: string | undefined;
}

export type ScanWorkerMessage = ScanBatch | ScanChunkEnd | ScanFailure;
