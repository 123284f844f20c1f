import { type FileHandle, open } from 'node:fs/promises';
import {
  EtlError,
  errorMessage,
  InputError,
  type Reader,
  type SourceRecord,
  type Stats,
  StatsCollector,
  TooManyErrorsError,
} from '@etl/core';
import {
  ByteStreamError,
  type ByteStreamProgress,
  byteChunks,
  compressionOf,
  lineStartAtOrAfter,
} from './byte-stream.js';
import { LineSplitter } from './line-splitter.js';
import { isBlankLine, rawText } from './line-text.js';
import { type NDJSONReaderOptions, type ResolvedNDJSONReaderOptions, resolveOptions } from './options.js';
import { JsonLineDecoder, RawLine } from './raw-line.js';

/**
 * Part of a plain file: the lines that begin in `[start, end)` (a line that begins there is read
 * to its end even past `end`). Ranges that tile a file read each of its lines exactly once.
 */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Counter names, one per kind of bad line. */
type RejectKind = 'invalid_json' | 'truncated_line' | 'line_too_long' | 'invalid_utf8';

const REJECT_KINDS: readonly RejectKind[] = [
  'invalid_json',
  'truncated_line',
  'line_too_long',
  'invalid_utf8',
];

/** Bad lines of the file being read. Per `read` call, so parallel reads do not mix their counts. */
interface FileProgress {
  readonly file: string;
  errors: number;
  /** Input bytes already counted in `bytesIn`. */
  counted: number;
}

/**
 * Streams one NDJSON segment (plain, `.gz` or `.zst`) as batches of {@link SourceRecord}s, with
 * physical line numbers, in bounded memory. Bad lines are quarantined and reading goes on.
 */
export class NDJSONReader implements Reader<SourceRecord> {
  private readonly options: ResolvedNDJSONReaderOptions;
  private readonly collector = new StatsCollector('ndjson-reader');
  // Strict: invalid UTF-8 must be quarantined, never replaced. A BOM in the middle of a file
  // stays visible (only the one at the very start is stripped, by the splitter).
  private readonly decoder = new JsonLineDecoder();

  constructor(options: NDJSONReaderOptions = {}) {
    this.options = resolveOptions(options);
    this.collector.count('files', 0);
    this.collector.count('blank_lines', 0);
    for (const kind of REJECT_KINDS) this.collector.count(kind, 0);
  }

  stats(): Stats {
    return this.collector.snapshot();
  }

  /**
   * Yields batches of up to `batchSize` records, never an empty one. Throws (naming the file)
   * when the file cannot be read, when its compressed stream is corrupt (naming the line
   * reached too), and when bad lines exceed `maxErrors`.
   *
   * With `range` (plain files only) only the lines that begin in it are read; their line
   * numbers count from 1 at the range's first line.
   */
  async *read(path: string, range?: ByteRange): AsyncGenerator<SourceRecord[]> {
    const { batchSize, maxLineBytes, highWaterMark, logger, onFileChunk } = this.options;
    const compression = compressionOf(path);
    if (range && compression !== 'none') {
      throw new EtlError(`${path}: a byte range of a ${compression} file cannot be read`, 'E_CONFIG');
    }
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw new EtlError(`cannot read ${path}: ${errorMessage(error)}`, 'E_READ', { cause: error });
    }
    this.collector.count('files');
    const progress: ByteStreamProgress = { fileBytes: 0, onFileChunk };
    const state: FileProgress = { file: path, errors: 0, counted: 0 };
    let batch: SourceRecord[] = [];
    let splitter = new LineSplitter(maxLineBytes);
    try {
      const from = range ? await lineStartAtOrAfter(handle, range.start) : 0;
      // Lines are read until the first one that begins at or past the range's end.
      const until = range ? range.end - from : Number.POSITIVE_INFINITY;
      if (from > 0) splitter = new LineSplitter(maxLineBytes, false);
      let ended = false;
      for await (const chunk of byteChunks(handle, compression, highWaterMark, progress, from)) {
        splitter.push(chunk);
        while (splitter.next()) {
          if (state.counted >= until) {
            ended = true;
            break;
          }
          const record = this.recordOf(splitter, state);
          if (record === undefined) continue;
          batch.push(record);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        if (ended) break;
      }
      if (!ended && splitter.finish() && state.counted < until) {
        const record = this.recordOf(splitter, state);
        if (record !== undefined) batch.push(record);
      }
      if (batch.length > 0) yield batch;
    } catch (error) {
      throw error instanceof ByteStreamError ? this.streamFailure(error, path, splitter) : error;
    } finally {
      if (compression !== 'none') this.collector.count('compressed_bytes', progress.fileBytes);
      await handle.close();
    }
    logger.debug('ndjson file read', {
      file: path,
      lines: splitter.line,
      badLines: state.errors,
      compression,
    });
  }

  /** The record for the splitter's current line, or undefined for a blank or bad line. */
  private recordOf(s: LineSplitter, state: FileProgress): SourceRecord | undefined {
    const stats = this.collector;
    // Terminators counted too: a file's bytes_in is its (decompressed) size.
    const offset = s.offset;
    stats.bytesIn += offset - state.counted;
    state.counted = offset;
    if (s.tooLong) {
      stats.recordsIn++;
      this.reject(
        state,
        s,
        'line_too_long',
        `line too long: ${s.bytes} bytes exceeds maxLineBytes=${this.options.maxLineBytes}`,
      );
      return undefined;
    }
    if (isBlankLine(s.buf, s.start, s.end)) {
      stats.count('blank_lines');
      return undefined;
    }
    stats.recordsIn++;
    const { lineParser, rawLines } = this.options;
    if (lineParser) {
      const fast = lineParser.parse(s.buf, s.start, s.end);
      if (fast !== undefined) {
        stats.recordsOut++;
        return { file: state.file, line: s.line, bytes: s.bytes, value: fast };
      }
    }
    if (rawLines) {
      // A copy: the splitter's buffer is reused.
      const bytes = new Uint8Array(s.buf.subarray(s.start, s.end));
      stats.recordsOut++;
      return { file: state.file, line: s.line, bytes: s.bytes, value: new RawLine(bytes, s.terminated) };
    }
    const decoder = this.decoder;
    const line = s.buf.subarray(s.start, s.end);
    let value: unknown;
    if (this.options.decode === 'json') {
      value = decoder.decodeJson(line, s.terminated);
      if (value === undefined) {
        this.reject(state, s, decoder.kind, decoder.reason);
        return undefined;
      }
    } else {
      value = decoder.decodeText(line, s.terminated);
      if (value === undefined) {
        this.reject(state, s, decoder.kind, decoder.reason);
        return undefined;
      }
    }
    if (this.options.decode !== 'json' && !s.terminated) {
      // Without parsing, a cut-off last line cannot be told from a complete one: say so.
      this.options.logger.warn(`${state.file}:${s.line}: last line has no line terminator`, {
        file: state.file,
        line: s.line,
      });
    }
    stats.recordsOut++;
    return { file: state.file, line: s.line, bytes: s.bytes, value };
  }

  private reject(state: FileProgress, s: LineSplitter, kind: RejectKind, reason: string): void {
    const { quarantine, logger, maxErrors } = this.options;
    this.collector.errors++;
    this.collector.count(kind);
    state.errors++;
    quarantine?.put({
      file: state.file,
      line: s.line,
      reason,
      raw: rawText(s.buf, s.start, s.end, s.tooLong),
      stage: 'reader',
    });
    logger.warn(`${state.file}:${s.line}: ${reason}`, { file: state.file, line: s.line, reason });
    if (state.errors > maxErrors) throw new TooManyErrorsError(state.file, state.errors, maxErrors);
  }

  private streamFailure(error: ByteStreamError, file: string, s: LineSplitter): EtlError {
    // The line being read when the stream broke: every line before it was complete.
    const line = s.line + 1;
    if (error.stage === 'read') {
      return new EtlError(`cannot read ${file} (at line ${line}): ${error.message}`, 'E_READ', {
        cause: error.cause,
      });
    }
    return new InputError({ file, line }, `corrupt ${error.compression} stream: ${error.message}`, {
      cause: error.cause,
    });
  }
}
