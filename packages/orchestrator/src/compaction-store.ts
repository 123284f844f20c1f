/**
 * Every file operation of compaction besides reading and writing Parquet (which go through
 * `ParquetReader` and `ParquetWriter`): listing partitions, stamping inputs, the manifest, the
 * swap's renames and deletions, directory syncs and the lock. One seam, so that compaction can run
 * over object storage by giving it another implementation of {@link CompactionStore}.
 */
import { link, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeTemporary } from './atomic-file.js';
import { directoriesUpTo, syncDirectories } from './durable-dirs.js';
import { filesUnder } from './file-tree.js';
import { currentProcess, holderAlive, parseIdentity } from './process-identity.js';

/** What identifies one version of a file: it must not change between reading and the swap. */
export interface FileStamp {
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** A directory holding Parquet files directly, relative to its dataset directory. */
export interface PartitionListing {
  /** e.g. `product_id=BTC-USD/date=2026-08-09`. */
  readonly partition: string;
  /** Visible `*.parquet` names (no `.`/`_` prefix), sorted. */
  readonly files: readonly string[];
}

export interface CompactionStore {
  partitions(datasetDir: string): AsyncGenerator<PartitionListing>;
  /** Every file called `name` under `dir`, at any depth. */
  find(dir: string, name: string): AsyncGenerator<string>;
  stamp(file: string): Promise<FileStamp | undefined>;
  readJson<T>(file: string): Promise<T | undefined>;
  /** Written whole or not at all (temp file, fsync, rename). */
  writeJson(file: string, value: unknown): Promise<void>;
  /** Renames `from` to `to`; false when `from` is gone. */
  move(from: string, to: string): Promise<boolean>;
  /** Deletes `file`; missing is fine. */
  remove(file: string): Promise<void>;
  exists(file: string): Promise<boolean>;
  /** Makes renames and deletions under `root` in `dirs` durable. */
  sync(root: string, dirs: Iterable<string>): Promise<void>;
  /** Takes the output's compaction lock; returns its release, or the pid holding it. */
  lock(file: string): Promise<{ release: () => Promise<void> } | { heldBy: number }>;
  /** True when the lock is held by a live process other than this one. */
  lockedByOther(file: string): Promise<boolean>;
}

/** How often a held lock's mtime is refreshed, and the age after which an unrefreshed one is stale. */
const LOCK_REFRESH_MS = 60_000;
const LOCK_STALE_MS = 10 * 60_000;

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
const hidden = (name: string): boolean => name.startsWith('.') || name.startsWith('_');

async function* walkPartitions(dir: string, rel: string): AsyncGenerator<PartitionListing> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (errno(error) === 'ENOENT') return;
    throw error;
  }
  const files = entries
    .filter((e) => e.isFile() && !hidden(e.name) && e.name.endsWith('.parquet'))
    .map((e) => e.name)
    .sort();
  if (files.length > 0) yield { partition: rel, files };
  const subdirs = entries
    .filter((e) => e.isDirectory() && !hidden(e.name))
    .map((e) => e.name)
    .sort();
  for (const d of subdirs) yield* walkPartitions(path.join(dir, d), rel ? `${rel}/${d}` : d);
}

async function readHolder(file: string): Promise<ReturnType<typeof parseIdentity>> {
  return parseIdentity(await readFile(file, 'utf8').catch(() => ''));
}

async function* findFiles(dir: string, name: string): AsyncGenerator<string> {
  for await (const file of filesUnder(dir)) if (path.basename(file) === name) yield file;
}

export const localCompactionStore: CompactionStore = {
  partitions: (datasetDir) => walkPartitions(datasetDir, ''),
  find: findFiles,

  async stamp(file) {
    try {
      const s = await stat(file);
      return { bytes: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw error;
    }
  },

  async readJson<T>(file: string) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  },

  writeJson: (file, value) => writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`),

  async move(from, to) {
    try {
      await rename(from, to);
      return true;
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      throw error;
    }
  },

  async remove(file) {
    await unlink(file).catch((error: unknown) => {
      if (errno(error) !== 'ENOENT') throw error;
    });
  },

  async exists(file) {
    return (await this.stamp(file)) !== undefined;
  },

  sync: (root, dirs) => syncDirectories(directoriesUpTo(root, dirs)),

  async lock(file) {
    const me = JSON.stringify(currentProcess());
    for (let attempt = 0; attempt < 3; attempt++) {
      // Written under a temporary name and hard-linked into place: never seen empty, one winner.
      const tmp = await writeTemporary(file, me);
      try {
        await link(tmp, file);
        // Refreshed while held, so a holder on another host that died is told by the lock's age.
        const refresh = setInterval(() => {
          const now = new Date();
          utimes(file, now, now).catch(() => {});
        }, LOCK_REFRESH_MS);
        refresh.unref();
        return {
          release: async () => {
            clearInterval(refresh);
            await unlink(file).catch(() => {});
          },
        };
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw error;
      } finally {
        await unlink(tmp).catch(() => {});
      }
      const holder = await readHolder(file);
      // A holder we cannot check (another host) keeps the lock while it refreshes it; a dead or
      // unreadable one loses it.
      const alive = holder ? holderAlive(holder) : false;
      const age = Date.now() - ((await this.stamp(file))?.mtimeMs ?? 0);
      if (holder && (alive === true || (alive === undefined && age < LOCK_STALE_MS)))
        return { heldBy: holder.pid };
      await unlink(file).catch(() => {});
    }
    return { heldBy: -1 };
  },

  async lockedByOther(file) {
    const holder = await readHolder(file);
    if (!holder || holder.pid === process.pid) return false;
    const alive = holderAlive(holder);
    if (alive !== undefined) return alive;
    return Date.now() - ((await this.stamp(file))?.mtimeMs ?? 0) < LOCK_STALE_MS;
  },
};
