/**
 * Whose fault a failed segment is. A bad segment (unreadable, corrupt, too many bad lines) fails
 * alone and the run goes on. A failure to write the output (disk full, read-only or unwritable
 * directory, or the writer itself failing) would fail every following segment the same way, so
 * the run stops after moving the current one to `failed/` and leaves the rest in `ready/`.
 */

import { stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '@etl/core';
import { temporarySuffix } from '@etl/core/internal';

/** Error codes the toolkit raises for problems of the input. */
const INPUT_CODES = new Set(['E_INPUT', 'E_READ', 'E_TOO_MANY_ERRORS', 'E_TIMESTAMP']);

/** errno codes that mean the output cannot take more data. */
const OUTPUT_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EFBIG', 'ENOTDIR']);

/** True when `error` comes from writing the output rather than from the segment's content. */
export function isOutputFault(error: unknown): boolean {
  const top = (error as { code?: unknown } | undefined)?.code;
  if (typeof top === 'string' && INPUT_CODES.has(top)) return false;
  if (top === 'E_WRITE' || top === 'E_PUBLISH') return true;
  let e: unknown = error;
  for (let depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OUTPUT_ERRNO.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** True for the error a segment is rolled back with when its run is interrupted. */
export function isInterruption(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'E_ABORTED';
}

/**
 * Why `dir` cannot take a new file, or undefined when it can: a plain check beside a writer's
 * error, which on some filesystems is misleading (a recursive mkdir on a read-only mount reports
 * ENOENT, not EROFS).
 */
export async function outputProblem(dir: string): Promise<string | undefined> {
  // Probe the deepest directory that exists: creating the missing ones is what may mislead.
  let existing = dir;
  while (!(await exists(existing)) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  try {
    const probe = path.join(existing, `.write-check${temporarySuffix()}`);
    await writeFile(probe, 'x', { flag: 'wx' });
    await unlink(probe);
    return undefined;
  } catch (error) {
    return errorMessage(error);
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
