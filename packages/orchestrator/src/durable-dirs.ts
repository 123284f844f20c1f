/**
 * Directory fsync: a rename (or a new file, or a new directory) is durable only once the directory
 * holding the entry is synced. Without it a power cut can undo a rename that the process saw
 * succeed, after the input it replaced was already deleted.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';

/** Errors of platforms that cannot fsync a directory (Windows): nothing more can be done there. */
const UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EBADF']);

/** fsyncs one directory. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    if (UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * The directories to sync so that files under `root` that were renamed into `dirs` survive a power
 * cut: each directory, and every directory between it and `root` (one of them may be new).
 */
export function directoriesUpTo(root: string, dirs: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const top = path.resolve(root);
  for (const d of dirs) {
    let dir = path.resolve(d);
    for (;;) {
      if (out.has(dir)) break;
      out.add(dir);
      if (dir === top || !dir.startsWith(`${top}${path.sep}`)) break;
      dir = path.dirname(dir);
    }
  }
  return out;
}

/**
 * Directories synced at once: a segment of thousands of partitions publishes into thousands of
 * directories, and opening them all together fails with EMFILE under an ordinary `ulimit -n`.
 * An ordinary segment (a few products, a few datasets: ~40 directories) still syncs them all at
 * once: each fsync may wait on the disk, so running them in turn costs wall time.
 */
const PARALLEL_DIRECTORY_SYNCS = 64;

/** fsyncs every directory of `dirs` once, at most {@link PARALLEL_DIRECTORY_SYNCS} at a time. */
export async function syncDirectories(dirs: Iterable<string>): Promise<void> {
  const queue = [...new Set(dirs)];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < queue.length) await syncDirectory(queue[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_DIRECTORY_SYNCS, queue.length) }, lane));
}
