/**
 * The commit protocol of a compaction, the same shape as a segment's (segment-commit.ts): the
 * merged files are finished under hidden temporary names, then the partition's manifest is
 * written atomically (the commit point), then the swap runs in two marked steps:
 *
 * 1. `committed` → rename every merged file into place, sync the directory, mark `swapped`;
 * 2. `swapped` → delete the replaced files, sync the directory, mark `done`.
 *
 * A crash before the manifest leaves only temporaries (recovery deletes them: roll back); after
 * it, recovery runs the remaining steps (roll forward). The replaced files are deleted only once
 * every merged file is in place, so once recovery has run the partition holds either the old
 * files or the merged ones, never both and never neither. Readers that follow the manifests
 * (`ParquetReader`, `etl query`) hide the merged files while `committed` and the replaced ones
 * while `swapped` (see readers-parquet compaction-view.ts), so they never see both either.
 */
import path from 'node:path';
import { EtlError, errorMessage, type Logger, silentLogger } from '@etl/core';
import type { CompactionStore } from './compaction-store.js';

export const COMPACTIONS_DIR = '_compactions';
export const COMPACTION_LOCK = 'compact.lock';

export interface CompactedFile {
  /** Relative to the output root (`<output>/coinbase`). */
  readonly path: string;
  /** Temporary path, relative to the output root; dropped once swapped. */
  readonly temp?: string;
  readonly rows: number;
  readonly bytes: number;
}

/** A segment's part file whose rows a compacted file holds. */
export interface CompactionSource {
  /** Relative to the output root, as the segment's manifest lists it. */
  readonly path: string;
  readonly segment?: string;
}

export interface CompactionManifest {
  readonly version: 1;
  readonly kind: 'compaction';
  readonly dataset: string;
  /** Partition path below the dataset directory, e.g. `product_id=BTC-USD/date=2026-08-09`. */
  readonly partition: string;
  readonly commitId: string;
  readonly committedAt: string;
  readonly state: 'committed' | 'swapped' | 'done';
  readonly files: readonly CompactedFile[];
  /** The files the swap deletes (this compaction's inputs); dropped once done. */
  readonly replaced?: readonly { readonly path: string; readonly rows: number }[];
  /** Every segment part file whose rows the merged files hold (earlier compactions' included). */
  readonly sources: readonly CompactionSource[];
  /** The partition's manifest before this compaction, restored if this one is rolled back. */
  readonly previous?: CompactionManifest;
}

export function compactionManifestPath(outRoot: string, dataset: string, partition: string): string {
  return path.join(outRoot, COMPACTIONS_DIR, dataset, partition, 'manifest.json');
}

export function isCompactionManifest(v: unknown): v is CompactionManifest {
  const m = v as CompactionManifest | undefined;
  return !!m && m.kind === 'compaction' && Array.isArray(m.files) && Array.isArray(m.sources);
}

/** Committed files neither temporary nor final exists of: the swap cannot go forward. */
class BrokenCompactionError extends EtlError {
  constructor(file: string, missing: readonly string[]) {
    super(`${file}: merged files are missing: ${missing.slice(0, 3).join(', ')}`, 'E_COMPACTION_BROKEN');
  }
}

/**
 * Runs the remaining steps of a committed compaction; idempotent. Returns it as done, with the
 * milliseconds from the first merged file renamed into place to the last replaced file deleted:
 * the window in which a reader globbing the directory sees both.
 */
export async function swapCompaction(
  store: CompactionStore,
  outRoot: string,
  file: string,
  manifest: CompactionManifest,
): Promise<{ manifest: CompactionManifest; windowMs: number }> {
  const dir = path.join(outRoot, manifest.dataset, manifest.partition);
  let m = manifest;
  const started = process.hrtime.bigint();
  let bothVisibleUntil = started;
  if (m.state === 'committed') {
    const missing: string[] = [];
    for (const f of m.files) {
      if (!f.temp) continue;
      const final = path.join(outRoot, f.path);
      if (!(await store.move(path.join(outRoot, f.temp), final)) && !(await store.exists(final)))
        missing.push(f.path);
    }
    if (missing.length > 0) throw new BrokenCompactionError(file, missing);
    await store.sync(outRoot, [dir]);
    m = { ...m, state: 'swapped', files: m.files.map(({ temp: _t, ...rest }) => rest) };
    await store.writeJson(file, m);
  }
  if (m.state === 'swapped') {
    const merged = new Set(m.files.map((f) => f.path));
    for (const r of m.replaced ?? []) if (!merged.has(r.path)) await store.remove(path.join(outRoot, r.path));
    bothVisibleUntil = process.hrtime.bigint();
    await store.sync(outRoot, [dir, path.dirname(file)]);
    const { replaced: _r, previous: _p, ...rest } = m;
    m = { ...rest, state: 'done' };
    await store.writeJson(file, m);
  }
  return { manifest: m, windowMs: Number(bothVisibleUntil - started) / 1e6 };
}

/** Undoes a committed compaction whose merged files are lost: the replaced files are all still there. */
async function rollBack(
  store: CompactionStore,
  outRoot: string,
  file: string,
  manifest: CompactionManifest,
): Promise<void> {
  const inputs = new Set((manifest.replaced ?? []).map((r) => r.path));
  for (const f of manifest.files) {
    if (!inputs.has(f.path)) await store.remove(path.join(outRoot, f.path));
    if (f.temp) await store.remove(path.join(outRoot, f.temp));
  }
  if (manifest.previous) await store.writeJson(file, manifest.previous);
  else await store.remove(file);
}

export interface CompactionRecovery {
  readonly rolledForward: number;
  readonly rolledBack: number;
  /** Temporaries of compactions that could not be finished: the temp sweep must keep them. */
  readonly needed: ReadonlySet<string>;
}

/**
 * Finishes every compaction a crashed `etl compact` left committed but not done (or rolls back
 * one whose merged files were lost). Skipped while a live `etl compact` holds the output's lock:
 * it finishes its own swaps.
 */
export async function recoverCompactions(
  store: CompactionStore,
  outRoot: string,
  logger: Logger = silentLogger,
): Promise<CompactionRecovery> {
  const root = path.join(outRoot, COMPACTIONS_DIR);
  const needed = new Set<string>();
  let rolledForward = 0;
  let rolledBack = 0;
  if (!(await store.exists(root)) || (await store.lockedByOther(path.join(root, COMPACTION_LOCK))))
    return { rolledForward, rolledBack, needed };
  for await (const file of store.find(root, 'manifest.json')) {
    const manifest = await store.readJson<unknown>(file);
    if (!isCompactionManifest(manifest) || manifest.state === 'done') continue;
    try {
      await swapCompaction(store, outRoot, file, manifest);
      rolledForward++;
    } catch (error) {
      if ((error as EtlError).code === 'E_COMPACTION_BROKEN' && manifest.state === 'committed') {
        logger.warn('a committed compaction lost its merged files; the partition keeps its old files', {
          manifest: file,
          error: errorMessage(error),
        });
        await rollBack(store, outRoot, file, manifest);
        rolledBack++;
        continue;
      }
      for (const f of manifest.files) if (f.temp) needed.add(path.join(outRoot, f.temp));
      logger.error('a committed compaction could not be finished', {
        manifest: file,
        error: errorMessage(error),
      });
    }
  }
  return { rolledForward, rolledBack, needed };
}
