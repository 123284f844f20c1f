import { ConfigError, type Logger, type QuarantineSink, silentLogger } from '@etl/core';

/** `json` parses each line; `text` hands the line on as a string for a specialised parser. */
export type NDJSONDecodeMode = 'json' | 'text';

/**
 * A parser for lines of a shape it knows, faster than decoding and `JSON.parse` there. It gets
 * the line's raw bytes and returns a value only for a line that is valid UTF-8 and valid JSON
 * and that its consumer treats exactly like `JSON.parse(line)`; for any other line it returns
 * undefined and the reader decodes and parses the line as usual (bad lines are then quarantined
 * as always).
 */
export interface LineParser {
  /**
   * The line is `bytes[start, end)`, without its terminator. The reader reuses `bytes` for later
   * reads: the returned value must not keep a view into it (copy what you keep).
   */
  parse(bytes: Uint8Array, start: number, end: number): unknown;
}

export interface NDJSONReaderOptions {
  /**
   * Records per yielded batch. Default 128: everything made from a batch (records, rows) is alive
   * until the batch is written, and with 1024-line batches V8's young-generation collections copy
   * and promote so much of it that they took a fifth of a segment's time; 128 cut that tenfold.
   */
  readonly batchSize?: number;
  /**
   * Longest line accepted, in bytes without its line terminator. Longer lines are quarantined
   * without being buffered whole. Default 64 MiB (a full-depth snapshot frame is 5–10 MB).
   */
  readonly maxLineBytes?: number;
  /** More bad lines than this in one file throws `TooManyErrorsError`. Default `Infinity`. */
  readonly maxErrors?: number;
  /** Where bad lines go. Without one they are only counted and logged. */
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
  /** Default `'json'`. */
  readonly decode?: NDJSONDecodeMode;
  /** With `decode: 'json'`: tried on every line before it is decoded and parsed. */
  readonly lineParser?: LineParser;
  /**
   * With `decode: 'json'`: lines the line parser does not take are handed on undecoded, as a
   * {@link RawLine} value, for the consumer to decode with `JsonLineDecoder` (a reader on a worker
   * thread leaves that to the thread that gets the records). Default false.
   */
  readonly rawLines?: boolean;
  /** Bytes read from disk at a time. Default 1 MiB. */
  readonly highWaterMark?: number;
  /**
   * Sees the file's bytes as they are read from disk, before decompression (e.g. to hash the
   * input while it is read, without a second read). Called synchronously; the chunk is reused
   * after the call returns.
   */
  readonly onFileChunk?: (chunk: Uint8Array) => void;
}

export interface ResolvedNDJSONReaderOptions {
  readonly batchSize: number;
  readonly maxLineBytes: number;
  readonly maxErrors: number;
  readonly quarantine: QuarantineSink | undefined;
  readonly logger: Logger;
  readonly decode: NDJSONDecodeMode;
  readonly lineParser: LineParser | undefined;
  readonly rawLines: boolean;
  readonly highWaterMark: number;
  readonly onFileChunk: ((chunk: Uint8Array) => void) | undefined;
}

export const DEFAULT_BATCH_SIZE = 128;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

// V8 cannot hold a string longer than ~2^29 characters, so a longer line could never be decoded.
const MAX_LINE_BYTES_LIMIT = 512 * 1024 * 1024;

function positiveInteger(key: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(key, `expected an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Fills in defaults and rejects nonsense early, naming the offending option. */
export function resolveOptions(options: NDJSONReaderOptions = {}): ResolvedNDJSONReaderOptions {
  const maxErrors = options.maxErrors ?? Number.POSITIVE_INFINITY;
  if (
    typeof maxErrors !== 'number' ||
    Number.isNaN(maxErrors) ||
    maxErrors < 0 ||
    (Number.isFinite(maxErrors) && !Number.isInteger(maxErrors))
  ) {
    throw new ConfigError(
      'maxErrors',
      `expected a non-negative integer or Infinity, got ${String(maxErrors)}`,
    );
  }
  const decode = options.decode ?? 'json';
  if (decode !== 'json' && decode !== 'text') {
    throw new ConfigError('decode', `expected 'json' or 'text', got ${JSON.stringify(decode)}`);
  }
  return {
    batchSize: positiveInteger('batchSize', options.batchSize, DEFAULT_BATCH_SIZE, 2 ** 31 - 1),
    maxLineBytes: positiveInteger(
      'maxLineBytes',
      options.maxLineBytes,
      DEFAULT_MAX_LINE_BYTES,
      MAX_LINE_BYTES_LIMIT,
    ),
    maxErrors,
    quarantine: options.quarantine,
    logger: options.logger ?? silentLogger,
    decode,
    // Only JSON lines go through a line parser.
    lineParser: decode === 'json' ? options.lineParser : undefined,
    rawLines: decode === 'json' && options.rawLines === true,
    highWaterMark: positiveInteger('highWaterMark', options.highWaterMark, DEFAULT_HIGH_WATER_MARK, 2 ** 30),
    onFileChunk: options.onFileChunk,
  };
}
