import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Hidden temporary name beside `file`: `.<name>.<pid>-<random>.tmp`, the naming the writer uses
 * too, so recovery recognises it and no `*.parquet`/`*.json` glob sees it.
 */
export function temporaryPathFor(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

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
