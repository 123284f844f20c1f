/** What an `ETLJob` is given, what it reports, and where its stage directories are. */
import path from 'node:path';
import type { Logger, ProcessorRegistry } from '@etl/core';
import type { ParquetCompression } from '@etl/writer-parquet';
import type { ChannelConfigMap } from './channel-config.js';
import type { CoinbaseSource, SegmentResult } from './segment-pipeline.js';

export interface ETLJobOptions {
  /** Where closed segments wait, e.g. `data/raw/ready/coinbase`. */
  readonly inputDir: string;
  /** Output root; datasets land in `<outputDir>/coinbase/<dataset>`. */
  readonly outputDir: string;
  /** Which feed the segments hold (default 'coinbase', Advanced Trade; 'coinbase-exchange' the legacy feed). */
  readonly source?: CoinbaseSource;
  /** Delete a segment once its output is committed (default true); otherwise move it to `done/`. */
  readonly deleteAfterProcessing?: boolean;
  /**
   * Convert the segments where they are, never moving, deleting or writing anything in `inputDir`
   * (read-only archives): claims and failure reports live under the output
   * (`<outputDir>/coinbase/_state/{claims,failed}`), and a rerun skips what is committed.
   */
  readonly inPlace?: boolean;
  readonly channelConfig?: ChannelConfigMap | Record<string, unknown>;
  readonly processingDir?: string;
  readonly doneDir?: string;
  readonly failedDir?: string;
  readonly compression?: ParquetCompression;
  readonly registry?: ProcessorRegistry;
  readonly logger?: Logger;
  readonly maxErrors?: number;
  /** Datasets to write (default: every enabled channel). */
  readonly channels?: readonly string[];
  /** Stop between segments when aborted (the first SIGINT/SIGTERM): the current one finishes. */
  readonly signal?: AbortSignal;
  /**
   * Roll the current segment back when aborted (a second SIGINT/SIGTERM): it goes back to
   * `ready/` with no output, unless its commit point was passed (then it finishes).
   */
  readonly rollbackSignal?: AbortSignal;
  /** A claim whose holder cannot be checked by pid is stale after this long untouched (default 10 min). */
  readonly claimStaleMs?: number;
  /** How often to look again while an earlier segment is being converted by another process (ms). */
  readonly waitPollMs?: number;
  /** Largest quarantine file of one segment, in bytes (default 64 MiB); more fails the segment. */
  readonly quarantineLimitBytes?: number;
  /** Threads that read and scan a segment (default 1; see segment-reader.ts). */
  readonly threads?: number;
  /**
   * `watch` takes a file only once it has not changed for this long (ms, default 3000); see
   * settle-gate.ts. A file whose last line is cut waits `cutLineGraceMs` (default max(60 s, 10 ×)).
   */
  readonly settleMs?: number;
  readonly cutLineGraceMs?: number;
  readonly onEvent?: (event: JobEvent) => void;
}

export type JobEvent =
  | { type: 'plan'; segments: readonly string[]; bytes: number }
  | { type: 'segment-start'; segment: string }
  | { type: 'segment-done'; segment: string; result: SegmentResult }
  | { type: 'segment-failed'; segment: string; error: string }
  | { type: 'segment-interrupted'; segment: string };

/** Sibling directory of the input: `.../ready/coinbase` → `.../<stage>/coinbase`. */
export function stageDir(inputDir: string, stage: string): string {
  const parts = path.resolve(inputDir).split(path.sep);
  const i = parts.lastIndexOf('ready');
  if (i >= 0) {
    parts[i] = stage;
    return parts.join(path.sep) || path.sep;
  }
  return path.join(path.dirname(path.resolve(inputDir)), stage, path.basename(inputDir));
}
