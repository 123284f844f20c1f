/**
 * The Parquet files of a dataset in object storage, from one listing of its prefix: keys are
 * filtered like directory entries on disk (no `.`/`_` names, `*.parquet` only) and their
 * `key=value` components give the partition values. Pruning then drops files by those values
 * before any byte of them is fetched.
 */
import { dirname } from 'node:path/posix';
import { EtlError, type ObjectStorage, parsePartitionPath } from '@etl/core';
import type { DatasetFile } from './dataset-files.js';

/** Where an object-storage file is: its key, and its size from the listing (no HEAD needed). */
export interface ObjectFileRef {
  readonly key: string;
  readonly size: number;
}

export async function listObjectDatasetFiles(
  storage: ObjectStorage,
  input: string,
  hive: boolean,
): Promise<{ files: DatasetFile[]; refs: Map<string, ObjectFileRef> }> {
  const base = input.replace(/^\/+|\/+$/g, '');
  const refs = new Map<string, ObjectFileRef>();
  const files: DatasetFile[] = [];
  const single = base.endsWith('.parquet') ? await storage.stat(base) : undefined;
  const found = single ? [single] : [];
  if (!single) {
    for await (const object of storage.list(base === '' ? '' : `${base}/`)) {
      const relative = object.key.slice(base === '' ? 0 : base.length + 1).split('/');
      const name = relative[relative.length - 1] as string;
      if (!name.endsWith('.parquet')) continue;
      if (relative.some((part) => part.startsWith('.') || part.startsWith('_'))) continue;
      found.push(object);
    }
  }
  if (found.length === 0)
    throw new EtlError(`parquet input not found: ${storage.location}/${base}`, 'E_NOT_FOUND');
  for (const object of found) {
    const path = `${storage.location}/${object.key}`;
    refs.set(path, { key: object.key, size: object.size });
    files.push({ path, partition: hive ? parsePartitionPath(dirname(object.key)) : {} });
  }
  return { files, refs };
}
