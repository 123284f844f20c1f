/**
 * Compaction of one partition: merge its files into one time-sorted file (rolling over at a size
 * limit), commit through the partition's compaction manifest and swap (compaction-manifest.ts).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EtlError, type Field, type Logger, type Schema } from '@etl/core';
import { type ParquetFileInfo, ParquetReader } from '@etl/readers-parquet';
import { type ParquetCompression, ParquetWriter } from '@etl/writer-parquet';
import {
  type CompactedFile,
  type CompactionManifest,
  type CompactionSource,
  compactionManifestPath,
  isCompactionManifest,
  swapCompaction,
} from './compaction-manifest.js';
import { mergeSortedFiles } from './compaction-merge.js';
import { sortKeyOf } from './compaction-order.js';
import { chainByRange, reduceToFanIn } from './compaction-runs.js';
import type { CompactionStore, FileStamp } from './compaction-store.js';

export interface PartitionJob {
  readonly outRoot: string;
  readonly dataset: string;
  readonly partition: string;
  /** Visible file names in the partition directory. */
  readonly files: readonly string[];
}

export interface PartitionSettings {
  readonly store: CompactionStore;
  readonly maxFileBytes: number;
  readonly rowGroupSize: number;
  /** Files merged at once; more are first merged into intermediate runs (compaction-runs.ts). */
  readonly fanIn: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

export type PartitionOutcome =
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'compacted';
      readonly filesBefore: number;
      readonly filesAfter: number;
      readonly rows: number;
      readonly bytesBefore: number;
      readonly bytesAfter: number;
      /** How long a directory glob saw both the old files and the merged one. */
      readonly swapMs: number;
    };

/** Footer keys that describe one file, not the run: not carried over. */
const PER_FILE_KEYS = new Set([
  'etl.schema_version',
  'etl.writer',
  'etl.input',
  'etl.segment',
  'etl.segments',
]);

const CODECS: Readonly<Record<string, ParquetCompression>> = {
  ZSTD: 'zstd',
  SNAPPY: 'snappy',
  GZIP: 'gzip',
  UNCOMPRESSED: 'none',
};

/** The union of the files' columns in first-seen order; a column typed differently is an error. */
function unionSchema(schemas: readonly { file: string; schema: Schema }[]): Schema {
  const fields = new Map<string, Field>();
  for (const { file, schema } of schemas) {
    for (const f of schema.fields) {
      const seen = fields.get(f.name);
      if (!seen) fields.set(f.name, f);
      else if (JSON.stringify({ ...seen, nullable: 0 }) !== JSON.stringify({ ...f, nullable: 0 }))
        throw new EtlError(
          `${file}: column ${f.name} has another type than in the partition's other files`,
          'E_SCHEMA',
        );
      else if (f.nullable && !seen.nullable) fields.set(f.name, f);
    }
  }
  return { fields: [...fields.values()] };
}

function segmentsOf(keyValue: Readonly<Record<string, string>>): string[] {
  if (keyValue['etl.segments']) {
    try {
      const list = JSON.parse(keyValue['etl.segments']) as unknown;
      if (Array.isArray(list)) return list.map(String);
    } catch {
      // not ours: fall back to the single segment key
    }
  }
  return keyValue['etl.segment'] ? [keyValue['etl.segment']] : [];
}

export async function compactPartition(
  job: PartitionJob,
  settings: PartitionSettings,
): Promise<PartitionOutcome> {
  const { outRoot, dataset, partition } = job;
  const { store, logger } = settings;
  const dir = path.join(outRoot, dataset, partition);
  const manifestFile = compactionManifestPath(outRoot, dataset, partition);
  const stored = await store.readJson<unknown>(manifestFile);
  const previous = isCompactionManifest(stored) && stored.state === 'done' ? stored : undefined;
  const rel = (name: string): string => path.relative(outRoot, path.join(dir, name));
  const merged = new Set(previous?.files.map((f) => f.path) ?? []);
  if (job.files.every((name) => merged.has(rel(name))))
    return { kind: 'skipped', reason: 'already compacted' };
  if (job.files.length < 2) return { kind: 'skipped', reason: 'one file' };

  const inputs = job.files.map((name) => path.join(dir, name));
  const stamps: FileStamp[] = [];
  for (const file of inputs) {
    const s = await store.stamp(file);
    if (!s) throw new EtlError(`${file}: disappeared before compaction`, 'E_COMPACTION_CHANGED');
    stamps.push(s);
  }
  const reader = new ParquetReader({ hive: false, followManifests: false });
  const infos: ParquetFileInfo[] = [];
  const schemas: { file: string; schema: Schema }[] = [];
  for (const file of inputs) {
    infos.push(await reader.fileInfo(file));
    schemas.push({ file, schema: await reader.schema(file) });
  }
  const schema = unionSchema(schemas);
  const key = sortKeyOf(dataset, schema);

  // Key-value metadata the inputs agree on is the run's; which segments the file holds is added.
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(infos[0]!.keyValue))
    if (!PER_FILE_KEYS.has(k) && infos.every((i) => i.keyValue[k] === v)) metadata[k] = v;
  const segments = [...new Set(infos.flatMap((i) => segmentsOf(i.keyValue)))];
  metadata['etl.segments'] = JSON.stringify(segments);
  metadata['etl.compacted'] = JSON.stringify({ files: inputs.length, sort: key });

  const sources: CompactionSource[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const p = rel(job.files[i]!);
    if (merged.has(p)) sources.push(...previous!.sources);
    else {
      const segment = infos[i]!.keyValue['etl.segment'];
      sources.push({ path: p, ...(segment ? { segment } : {}) });
    }
  }

  const rowsBefore = infos.reduce((a, i) => a + i.rows, 0);
  const bytesBefore = stamps.reduce((a, s) => a + s.bytes, 0);
  // The writer rolls over by rows: the inputs' bytes per row turn the size limit into rows.
  const maxRowsPerFile = Math.max(
    settings.rowGroupSize,
    Math.floor(settings.maxFileBytes / Math.max(1, bytesBefore / Math.max(1, rowsBefore))),
  );
  const codec = infos[0]!.codec;
  const commitId = randomBytes(8).toString('hex');
  const writer = new ParquetWriter({
    ...(codec && CODECS[codec] ? { compression: CODECS[codec] } : {}),
    rowGroupSize: settings.rowGroupSize,
    maxRowsPerFile,
    logger,
  });
  const session = writer.open({
    path: dir,
    schema,
    inputId: `compacted-${commitId}`,
    deferPublish: true,
    metadata,
  });
  let written: Awaited<ReturnType<typeof session.close>>;
  const runs: string[] = [];
  try {
    const files = inputs.map((file, order) => ({ file, order }));
    const chains = key.length
      ? chainByRange(
          files,
          infos.map((i) => i.ranges[key[0]!]),
        )
      : files.map((f) => [f]);
    const sources =
      chains.length <= settings.fanIn
        ? chains
        : (
            await reduceToFanIn(
              inputs,
              {
                dir,
                schema,
                key,
                fanIn: settings.fanIn,
                runId: commitId,
                logger,
                ...(settings.signal ? { signal: settings.signal } : {}),
              },
              runs,
            )
          ).map((file, order) => [{ file, order }]);
    const rows = await mergeSortedFiles(sources, key, (batch) => session.write(batch), {
      ...(settings.signal ? { signal: settings.signal } : {}),
    });
    if (rows !== rowsBefore)
      throw new EtlError(`${dir}: read ${rows} rows, the footers say ${rowsBefore}`, 'E_COMPACTION_ROWS');
    written = await session.close();
  } catch (error) {
    await session.abort().catch(() => {});
    throw error;
  } finally {
    for (const run of runs) await store.remove(run);
  }
  const files: CompactedFile[] = written.files.map((f) => ({
    path: path.relative(outRoot, f.path),
    ...(f.tempPath ? { temp: path.relative(outRoot, f.tempPath) } : {}),
    rows: f.rows,
    bytes: f.bytes,
  }));
  const discard = async (): Promise<void> => {
    for (const f of written.files) await store.remove(f.tempPath ?? f.path);
  };
  // Nothing may have changed under the merge: a file converted again meanwhile keeps its partition as is.
  for (let i = 0; i < inputs.length; i++) {
    const now = await store.stamp(inputs[i]!);
    const was = stamps[i]!;
    if (!now || now.ino !== was.ino || now.bytes !== was.bytes || now.mtimeMs !== was.mtimeMs) {
      await discard();
      throw new EtlError(
        `${inputs[i]}: changed while its partition was compacted; nothing was replaced`,
        'E_COMPACTION_CHANGED',
      );
    }
  }
  if (written.rows !== rowsBefore || settings.signal?.aborted) {
    await discard();
    if (settings.signal?.aborted) throw new EtlError('compaction interrupted', 'E_ABORTED');
    throw new EtlError(`${dir}: wrote ${written.rows} rows of ${rowsBefore}`, 'E_COMPACTION_ROWS');
  }
  const manifest: CompactionManifest = {
    version: 1,
    kind: 'compaction',
    dataset,
    partition,
    commitId,
    committedAt: new Date().toISOString(),
    state: 'committed',
    files,
    replaced: inputs.map((_, i) => ({ path: rel(job.files[i]!), rows: infos[i]!.rows })),
    sources,
    ...(previous ? { previous } : {}),
  };
  try {
    await store.writeJson(manifestFile, manifest); // the commit point
  } catch (error) {
    await discard();
    throw error;
  }
  const { windowMs } = await swapCompaction(store, outRoot, manifestFile, manifest);
  logger.info('partition compacted', { dataset, partition, files: inputs.length, rows: rowsBefore });
  return {
    kind: 'compacted',
    filesBefore: inputs.length,
    filesAfter: files.length,
    rows: rowsBefore,
    bytesBefore,
    bytesAfter: written.bytes,
    swapMs: windowMs,
  };
}
