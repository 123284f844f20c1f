/** Looking at what a writer left on disk, for the writer suite. */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';

/** Every file below `dir`, recursively (none when `dir` does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else files.push(path);
  }
  return files;
}

/** Dataset readers skip names starting with `.` or `_` (temporary and metadata files). */
export function isVisible(path: string): boolean {
  const name = basename(path);
  return !name.startsWith('.') && !name.startsWith('_');
}

/** `path` relative to `base` with `/` separators, or undefined when it is not inside `base`. */
export function relativeInside(base: string, path: string): string | undefined {
  const rel = relative(base, path);
  if (rel === '') return '';
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return undefined;
  return rel.split(sep).join('/');
}

/** Size of a file in bytes, or undefined when there is none. */
export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}
