/**
 * Copies from object storage to a local scratch directory: a whole object streamed to a file
 * (hashed on the way, never held in memory) and every object under a prefix.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '@etl/core';
import { pathExists } from './file-tree.js';

/** Streams object `key` to `file`; returns its SHA-256 (hex). */
export async function downloadObject(storage: ObjectStorage, key: string, file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const hash = createHash('sha256');
  // Under a temporary name: a reader of the scratch directory never sees half an object.
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  await pipeline(
    storage.read(key),
    async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(partial),
  );
  await rename(partial, file);
  return hash.digest('hex');
}

/**
 * Copies every object under `prefix` (e.g. `_state/checkpoints/`) to the same relative path
 * under `localRoot`. With `missingOnly`, files already there are kept (objects written once,
 * never changed, such as checkpoints and manifests of a given segment).
 */
export async function mirrorPrefix(
  storage: ObjectStorage,
  prefix: string,
  localRoot: string,
  options: { readonly missingOnly?: boolean } = {},
): Promise<number> {
  let copied = 0;
  for await (const object of storage.list(prefix)) {
    const file = path.join(localRoot, ...object.key.split('/'));
    if (options.missingOnly && (await pathExists(file))) continue;
    await downloadObject(storage, object.key, file);
    copied++;
  }
  return copied;
}
