import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { temporaryPathFor } from '@etl/core/internal';

/**
 * Writes `content` to a new temporary file beside `file`, fsynced, and returns its path; the
 * caller renames it into place (or deletes it). Nothing is left behind when writing fails (a full
 * disk).
 */
export async function writeTemporary(file: string, content: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = temporaryPathFor(file);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw error;
  }
  try {
    await handle.close();
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  return tmp;
}

/** Writes a file under a temporary name, fsyncs it and renames it into place. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = await writeTemporary(file, content);
  try {
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}
