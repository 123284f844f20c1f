import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { temporaryPathFor } from '@etl/core/internal';

/**
 * Writes a small text file under a hidden temporary name, fsyncs it and renames it into place,
 * so readers on the shared storage see the old file or the new one, never half of one.
 */
export async function writeTextAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = temporaryPathFor(file);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}
