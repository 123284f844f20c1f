/**
 * Bounded fan-in: a k-way merge holds one decoded row group per input, so merging many files at
 * once costs k row groups of memory. Above `fanIn` inputs, groups of `fanIn` consecutive files
 * are first merged into intermediate sorted runs (hidden temporaries beside the partition, with
 * small row groups), then the runs are merged, level by level. Ties keep their order: runs are
 * built from consecutive inputs and merged in input order. Costs one more read and write of the
 * partition per level (log_fanIn(k) levels).
 */
import path from 'node:path';
import type { Logger, Schema } from '@etl/core';
import { ParquetWriter } from '@etl/writer-parquet';
import { type MergeFile, mergeSortedFiles } from './compaction-merge.js';

/** Rows per row group of intermediate runs: what each run costs the next level's memory. */
const RUN_ROW_GROUP = 8192;

export interface RunSettings {
  readonly dir: string;
  readonly schema: Schema;
  readonly key: readonly string[];
  readonly fanIn: number;
  readonly runId: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Chains of files whose ranges of the first key column follow each other (the next file's
 * minimum at or after the previous file's maximum, by the footers' statistics): hourly segments
 * of one partition make one chain, read one file after the other instead of merged. Files
 * without usable statistics (or with nulls in the column) are chains of their own.
 */
export function chainByRange(
  files: readonly MergeFile[],
  ranges: readonly ({ readonly min: unknown; readonly max: unknown; readonly nulls: number } | undefined)[],
): MergeFile[][] {
  const usable = ranges.every(
    (r) => r !== undefined && r.nulls === 0 && (typeof r.min === 'bigint' || typeof r.min === 'number'),
  );
  if (!usable) return files.map((f) => [f]);
  const chains: { files: MergeFile[]; max: number | bigint }[] = [];
  files.forEach((f, i) => {
    const r = ranges[i]!;
    const chain = chains.find((c) => c.max <= (r.min as number | bigint));
    if (chain) {
      chain.files.push(f);
      chain.max = r.max as number | bigint;
    } else chains.push({ files: [f], max: r.max as number | bigint });
  });
  return chains.map((c) => c.files);
}

/**
 * Reduces `inputs` to at most `fanIn` sorted files; returns them in order and the temporaries
 * made (the caller deletes them whatever happens).
 */
export async function reduceToFanIn(
  inputs: readonly string[],
  settings: RunSettings,
  temporaries: string[],
): Promise<string[]> {
  let level = inputs.slice();
  for (let depth = 0; level.length > settings.fanIn; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += settings.fanIn) {
      const group = level.slice(i, i + settings.fanIn);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const writer = new ParquetWriter({
        compression: 'snappy',
        rowGroupSize: RUN_ROW_GROUP,
        maxRowsPerFile: Number.MAX_SAFE_INTEGER,
        logger: settings.logger,
      });
      const session = writer.open({
        path: settings.dir,
        schema: settings.schema,
        inputId: `run-${settings.runId}-${depth}-${i}`,
        deferPublish: true,
      });
      try {
        const sources = group.map((file, order) => [{ file, order }]);
        await mergeSortedFiles(sources, settings.key, (rows) => session.write(rows), {
          ...(settings.signal ? { signal: settings.signal } : {}),
        });
        const result = await session.close();
        for (const f of result.files) {
          const file = f.tempPath ?? f.path;
          temporaries.push(file);
          next.push(file);
        }
      } catch (error) {
        await session.abort().catch(() => {});
        throw error;
      }
    }
    settings.logger.debug('merged runs', {
      dir: path.basename(settings.dir),
      from: level.length,
      to: next.length,
    });
    level = next;
  }
  return level;
}
