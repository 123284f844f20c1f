/**
 * No duplicates after compaction: a segment whose part files were merged into a compacted file
 * is not converted again, since its new part files would sit beside the compacted copy of the
 * same rows. The commit is refused before its commit point (`E_SEGMENT_COMPACTED`); the input is
 * kept in `failed/` with the reason, and the dataset stays as it was.
 */
import path from 'node:path';
import { EtlError } from '@etl/core';
import { compactionManifestPath, isCompactionManifest } from './compaction-manifest.js';
import { localCompactionStore } from './compaction-store.js';

/** Throws `E_SEGMENT_COMPACTED` when a compaction holds rows of the files `previous` committed. */
export async function refuseCompactedSegment(
  outRoot: string,
  segment: string,
  files: readonly { readonly dataset: string; readonly path: string }[],
): Promise<void> {
  const byDir = new Map<string, { dataset: string; paths: Set<string> }>();
  for (const f of files) {
    const dir = path.dirname(f.path);
    let entry = byDir.get(dir);
    if (!entry) byDir.set(dir, (entry = { dataset: f.dataset, paths: new Set() }));
    entry.paths.add(f.path);
  }
  for (const [dir, { dataset, paths }] of byDir) {
    const partition = path.relative(dataset, dir);
    if (partition.startsWith('..')) continue;
    const m = await localCompactionStore.readJson<unknown>(
      compactionManifestPath(outRoot, dataset, partition),
    );
    if (!isCompactionManifest(m) || !m.sources.some((s) => paths.has(s.path))) continue;
    throw new EtlError(
      `${segment}: its ${dataset} rows in ${partition} were compacted by etl compact on ${m.committedAt.slice(0, 10)}; converting it again would duplicate them, so nothing was written (to rebuild that date, delete its compacted partitions and their ${path.join('_compactions', dataset, partition)} entries, then convert all its segments again)`,
      'E_SEGMENT_COMPACTED',
    );
  }
}
