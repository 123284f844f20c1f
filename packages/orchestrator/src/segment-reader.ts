/**
 * The reader of one segment: the NDJSON reader on the main thread (with the source's line parser),
 * or, for Coinbase Advanced Trade with more than one thread and a plain file big enough to be
 * worth the workers' start-up, {@link ParallelSegmentReader}
 * (scan workers over byte ranges; the same records). A compressed segment cannot be cut into byte
 * ranges without decompressing it first, so it is always read on the main thread.
 */
import type { Logger, QuarantineSink, Reader, SourceRecord } from '@etl/core';
import { compressionOf, type LineParser, NDJSONReader } from '@etl/readers-ndjson';
import type { InputHasher } from './input-identity.js';
import { DEFAULT_CHUNK_BYTES, ParallelSegmentReader } from './parallel-segment-reader.js';

/** Below this a file is read on the main thread: starting workers costs more than they save. */
const PARALLEL_MIN_BYTES = 4 * DEFAULT_CHUNK_BYTES;

export interface SegmentReaderOptions {
  /** Threads that read and scan lines; 1 reads on the main thread. */
  readonly threads: number;
  /** The source is Coinbase Advanced Trade, whose l2_data scanner the scan workers run. */
  readonly scanInWorkers: boolean;
  /** The source's fast path for the main-thread reader. */
  readonly lineParser?: LineParser;
  readonly quarantine: QuarantineSink;
  /** Gets the input's bytes (or its digest, from the hashing thread). */
  readonly hasher: InputHasher;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly maxErrors?: number;
}

export function segmentReader(
  file: string,
  bytes: number,
  options: SegmentReaderOptions,
): Reader<SourceRecord> {
  const { threads, scanInWorkers, quarantine, hasher, logger } = options;
  const common = {
    quarantine,
    logger,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.maxErrors !== undefined ? { maxErrors: options.maxErrors } : {}),
  };
  if (threads > 1 && scanInWorkers && compressionOf(file) === 'none' && bytes >= PARALLEL_MIN_BYTES) {
    logger.debug('segment read by worker threads', { file, workers: threads });
    return new ParallelSegmentReader({ ...common, workers: threads, onDigest: hasher.adopt });
  }
  return new NDJSONReader({
    ...common,
    onFileChunk: hasher.update,
    ...(options.lineParser ? { lineParser: options.lineParser } : {}),
  });
}
