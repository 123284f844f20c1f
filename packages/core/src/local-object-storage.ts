/**
 * The storage seam over a local directory. A staged upload is a file under
 * `<root>/_uploads/<id>/` (with its key beside it); completing it renames the file into place,
 * which is atomic on one filesystem, and fsyncs the directory, so a completed object survives a
 * power cut and a pending one is never visible under its key.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  copyFile,
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import path from 'node:path';
import {
  checkObjectKey,
  type ObjectStorage,
  type ObjectUpload,
  type PendingUpload,
  type SealedUpload,
  type StoredObject,
} from './object-storage.js';

/** Where staged uploads live under the root; never listed as objects. */
export const LOCAL_UPLOADS_DIR = '_uploads';

export class LocalObjectStorage implements ObjectStorage {
  readonly location: string;

  constructor(readonly root: string) {
    this.location = path.resolve(root);
  }

  private pathOf(key: string): string {
    return path.join(this.location, ...checkObjectKey(key).split('/'));
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    // Walk only the directory the prefix reaches into, then filter by the whole prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    const found: StoredObject[] = [];
    await this.walk(dirKey, prefix, found);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  private async walk(dirKey: string, prefix: string, out: StoredObject[]): Promise<void> {
    const dir = dirKey === '' ? this.location : path.join(this.location, ...dirKey.split('/'));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (key === LOCAL_UPLOADS_DIR) continue;
      if (entry.isDirectory()) {
        // Descend only where keys can still start with the prefix.
        if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const { size } = await stat(path.join(dir, entry.name));
        out.push({ key, size });
      }
    }
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    const file = this.pathOf(key);
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    } catch (error) {
      if (isMissing(error)) throw new Error(`${this.location}: no object ${key}`, { cause: error });
      throw error;
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw new Error(`${this.location}: no object ${key}`, { cause: error });
      throw error;
    }
    try {
      const out = new Uint8Array(end - start);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) {
          throw new RangeError(`${key}: byte range [${start}, ${end}) goes past its end (${start + filled})`);
        }
        filled += bytesRead;
      }
      return out;
    } finally {
      await handle.close();
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const upload = await this.upload(key);
    try {
      await upload.write(bytes);
      await this.complete(await upload.seal());
    } catch (error) {
      await upload.abort();
      throw error;
    }
  }

  async upload(key: string): Promise<ObjectUpload> {
    checkObjectKey(key);
    const uploadId = `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const dir = this.stagingDir(uploadId);
    await mkdir(dir, { recursive: true });
    await writeDurably(path.join(dir, 'key'), Buffer.from(key));
    const handle = await open(path.join(dir, 'data'), 'w');
    return new LocalUpload(key, uploadId, handle, dir);
  }

  private stagingDir(uploadId: string): string {
    if (!/^[\w-]+$/.test(uploadId)) throw new RangeError(`not an upload id: ${JSON.stringify(uploadId)}`);
    return path.join(this.location, LOCAL_UPLOADS_DIR, uploadId);
  }

  async complete(sealed: SealedUpload): Promise<void> {
    const dir = this.stagingDir(sealed.uploadId);
    const target = this.pathOf(sealed.key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(path.join(dir, 'data'), target);
    } catch (error) {
      // Completed before (by a run that died before cleaning up): the object is there.
      if (isMissing(error) && (await this.stat(sealed.key))) {
        await rm(dir, { recursive: true, force: true });
        return;
      }
      throw error;
    }
    await fsyncDirectory(path.dirname(target));
    await rm(dir, { recursive: true, force: true });
  }

  async *pendingUploads(prefix: string): AsyncIterable<PendingUpload> {
    let ids: string[];
    try {
      ids = (await readdir(path.join(this.location, LOCAL_UPLOADS_DIR))).sort();
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const uploadId of ids) {
      let key: string;
      try {
        key = await readFile(path.join(this.stagingDir(uploadId), 'key'), 'utf8');
      } catch (error) {
        // Died between creating the directory and recording the key: nothing of it is reachable.
        if (isMissing(error)) key = '';
        else throw error;
      }
      if (key.startsWith(prefix)) yield { key, uploadId };
    }
  }

  async abortUpload(pending: PendingUpload): Promise<void> {
    await rm(this.stagingDir(pending.uploadId), { recursive: true, force: true });
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const upload = await this.upload(toKey);
    try {
      await copyFile(this.pathOf(fromKey), path.join(this.stagingDir(upload.uploadId), 'data'));
    } catch (error) {
      await upload.abort();
      if (isMissing(error)) throw new Error(`${this.location}: no object ${fromKey}`, { cause: error });
      throw error;
    }
    await this.complete(await upload.seal());
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

class LocalUpload implements ObjectUpload {
  private size = 0;

  constructor(
    readonly key: string,
    readonly uploadId: string,
    private handle: FileHandle | undefined,
    private readonly dir: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.handle) throw new Error(`upload of ${this.key} is already sealed or aborted`);
    await this.handle.write(chunk);
    this.size += chunk.byteLength;
  }

  async seal(): Promise<SealedUpload> {
    const handle = this.handle;
    if (!handle) throw new Error(`upload of ${this.key} is already sealed or aborted`);
    this.handle = undefined;
    // copy() writes the data file by path: take its size from the file, not the counter.
    await handle.sync();
    const { size } = await handle.stat();
    await handle.close();
    return { key: this.key, uploadId: this.uploadId, parts: [], size: Math.max(size, this.size) };
  }

  async abort(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
