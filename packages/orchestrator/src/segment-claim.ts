/**
 * Claiming segments so that concurrent ETL processes never work on the same one.
 *
 * An owner file (`.<segment>.owner`, created with O_EXCL, holding the pid) is taken before the
 * segment is moved to `processing/`. A crashed process leaves its owner file behind with a dead
 * pid; exactly one later process can steal it (rename is atomic), so a stranded segment is
 * processed again exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export function ownerFile(processingDir: string, name: string): string {
  return path.join(processingDir, `.${name}.owner`);
}

async function takeOwnership(owner: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(owner, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(await readFile(owner, 'utf8').catch(() => ''));
      // An owner file being written right now reads empty: treat it as alive.
      if (Number.isNaN(pid) || pid === 0 || pidAlive(pid)) return false;
      const stale = `${owner}.stale-${randomBytes(4).toString('hex')}`;
      try {
        await rename(owner, stale);
        await unlink(stale).catch(() => {});
      } catch {
        return false; // another process stole it first
      }
    }
  }
  return false;
}

/**
 * Claims `name` from `readyDir` (or a leftover in `processingDir`) for this process; returns the
 * path in `processingDir`, or undefined when another live process owns it or it is gone.
 */
export async function claimSegment(readyDir: string, processingDir: string, name: string): Promise<string | undefined> {
  await mkdir(processingDir, { recursive: true });
  const owner = ownerFile(processingDir, name);
  if (!(await takeOwnership(owner))) return undefined;
  const target = path.join(processingDir, name);
  try {
    await rename(path.join(readyDir, name), target);
    return target;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (await exists(target)) return target; // a leftover of a crashed run
  await unlink(owner).catch(() => {});
  return undefined;
}

/** Gives a claimed segment up: removes the owner file. */
export async function releaseSegment(processingDir: string, name: string): Promise<void> {
  await unlink(ownerFile(processingDir, name)).catch(() => {});
}
