/**
 * `compactOutput`: every closed partition of an output (its `date=` before a cutoff, by default
 * today UTC) with more than one file becomes one time-sorted file, partition by partition, each
 * swapped atomically (compaction-partition.ts). One compaction per output at a time (a lock file).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, EtlError, errorMessage, type Logger, silentLogger, utcDateKey } from '@etl/core';
import { DEFAULT_ROW_GROUP_SIZE } from '@etl/writer-parquet';
import { COMPACTION_LOCK, COMPACTIONS_DIR, recoverCompactions } from './compaction-manifest.js';
import { compactPartition } from './compaction-partition.js';
import { type CompactionStore, localCompactionStore } from './compaction-store.js';
import { recoverOutput } from './segment-commit.js';

export const DEFAULT_COMPACT_FILE_BYTES = 512 * 1024 * 1024;
const DEFAULT_FAN_IN = 8;

export interface CompactOptions {
  /** The output root as `etl run --output` takes it; datasets are under `<outputDir>/coinbase`. */
  readonly outputDir: string;
  /** Only these datasets (default: every dataset directory). */
  readonly datasets?: readonly string[];
  /** Compact partitions whose `date` is before this `YYYY-MM-DD` (default: today, UTC). */
  readonly before?: string;
  /** Size at which a merged file rolls over to the next (default 512 MiB). */
  readonly maxFileBytes?: number;
  /** Rows per row group of merged files (default 65,536: row groups of a few MiB for pruning). */
  readonly rowGroupSize?: number;
  /** Only these dates (`YYYY-MM-DD`, each before `before`). */
  readonly dates?: readonly string[];
  /**
   * Recover the output's segments too before compacting (default true). A compactor running
   * beside a live converter passes false: compactions are still recovered.
   */
  readonly recoverSegments?: boolean;
  /**
   * Files merged at once (default 8): memory is about this many decoded row groups; a partition
   * of more files is merged in passes through intermediate runs.
   */
  readonly fanIn?: number;
  /** Stops between partitions. */
  readonly signal?: AbortSignal;
  /** Stops within a partition: its merge is discarded. */
  readonly rollbackSignal?: AbortSignal;
  readonly logger?: Logger;
  readonly store?: CompactionStore;
}

export interface CompactDatasetSummary {
  partitions: number;
  files_before: number;
  files_after: number;
  rows: number;
  bytes_before: number;
  bytes_after: number;
  /** Longest swap: ms during which a directory glob saw a partition's old files and merged file. */
  swap_ms_max: number;
}

export interface CompactSummary {
  partitions: { compacted: number; skipped: number; failed: number };
  datasets: Record<string, CompactDatasetSummary>;
  failures: { dataset: string; partition: string; error: string; code?: string }[];
  recovered: { rolled_forward: number; rolled_back: number };
  elapsed_s: number;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The `date=` value of a partition path, if it has one. */
export function partitionDate(partition: string): string | undefined {
  for (const part of partition.split('/')) {
    if (part.startsWith('date=')) {
      const v = part.slice(5);
      return DATE_RE.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/** The dataset directories of an output root. */
async function datasetsIn(outRoot: string): Promise<string[]> {
  const entries = await readdir(outRoot, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

export async function compactOutput(options: CompactOptions): Promise<CompactSummary> {
  const started = Date.now();
  const logger = options.logger ?? silentLogger;
  const store = options.store ?? localCompactionStore;
  const outRoot = path.join(options.outputDir, 'coinbase');
  const today = utcDateKey(BigInt(Date.now()) * 1_000_000n);
  const before = options.before ?? today;
  if (!DATE_RE.test(before)) throw new ConfigError('before', `expected YYYY-MM-DD, got ${before}`);
  if (before > today)
    throw new ConfigError(
      'before',
      `${before} is after today (${today}, UTC): partitions of today and later may still be written`,
    );
  const present = await datasetsIn(outRoot);
  if (present.length === 0) throw new ConfigError('output', `no datasets in ${outRoot}`);
  const wanted = options.datasets ?? present;
  for (const d of wanted)
    if (!present.includes(d))
      throw new ConfigError('dataset', `no dataset ${d} in ${outRoot} (there are: ${present.join(', ')})`);

  const lockDir = path.join(outRoot, COMPACTIONS_DIR);
  await import('node:fs/promises').then((fs) => fs.mkdir(lockDir, { recursive: true }));
  const lock = await store.lock(path.join(lockDir, COMPACTION_LOCK));
  if ('heldBy' in lock)
    throw new EtlError(`another etl compact (pid ${lock.heldBy}) is running on ${outRoot}`, 'E_LOCKED');
  const summary: CompactSummary = {
    partitions: { compacted: 0, skipped: 0, failed: 0 },
    datasets: {},
    failures: [],
    recovered: { rolled_forward: 0, rolled_back: 0 },
    elapsed_s: 0,
  };
  try {
    if (options.recoverSegments === false) {
      const recovery = await recoverCompactions(store, outRoot, logger);
      summary.recovered = { rolled_forward: recovery.rolledForward, rolled_back: recovery.rolledBack };
    } else {
      const recovery = await recoverOutput(outRoot, { logger });
      summary.recovered = {
        rolled_forward: recovery.compactionsRolledForward ?? 0,
        rolled_back: recovery.compactionsRolledBack ?? 0,
      };
    }
    const onlyDates = options.dates ? new Set(options.dates) : undefined;
    for (const dataset of wanted) {
      for await (const listing of store.partitions(path.join(outRoot, dataset))) {
        if (options.signal?.aborted || options.rollbackSignal?.aborted) break;
        const date = partitionDate(listing.partition);
        if (!date || date >= before || (onlyDates && !onlyDates.has(date))) continue;
        try {
          const outcome = await compactPartition(
            { outRoot, dataset, partition: listing.partition, files: listing.files },
            {
              store,
              logger,
              maxFileBytes: options.maxFileBytes ?? DEFAULT_COMPACT_FILE_BYTES,
              rowGroupSize: options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE,
              fanIn: Math.max(2, options.fanIn ?? DEFAULT_FAN_IN),
              ...(options.rollbackSignal ? { signal: options.rollbackSignal } : {}),
            },
          );
          if (outcome.kind === 'skipped') {
            summary.partitions.skipped++;
            continue;
          }
          summary.partitions.compacted++;
          const d = (summary.datasets[dataset] ??= {
            partitions: 0,
            files_before: 0,
            files_after: 0,
            rows: 0,
            bytes_before: 0,
            bytes_after: 0,
            swap_ms_max: 0,
          });
          d.partitions++;
          d.files_before += outcome.filesBefore;
          d.files_after += outcome.filesAfter;
          d.rows += outcome.rows;
          d.bytes_before += outcome.bytesBefore;
          d.bytes_after += outcome.bytesAfter;
          d.swap_ms_max = Math.max(d.swap_ms_max, outcome.swapMs);
        } catch (error) {
          if ((error as EtlError).code === 'E_ABORTED') break;
          summary.partitions.failed++;
          const code = (error as EtlError).code;
          summary.failures.push({
            dataset,
            partition: listing.partition,
            error: errorMessage(error),
            ...(code ? { code } : {}),
          });
          logger.error('partition not compacted', {
            dataset,
            partition: listing.partition,
            error: errorMessage(error),
          });
        }
      }
    }
  } finally {
    await lock.release();
  }
  summary.elapsed_s = (Date.now() - started) / 1000;
  return summary;
}
