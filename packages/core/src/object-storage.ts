/**
 * The storage seam: what the toolkit needs from a place that holds inputs and outputs, whether a
 * local directory ({@link LocalObjectStorage}) or an S3-compatible bucket (`@etl/storage-s3`).
 * Keys are `/`-separated paths relative to the storage's root, never starting with `/`.
 *
 * Object stores have no rename, so the commit primitive is the staged upload: bytes written
 * through {@link ObjectStorage.upload} are invisible (to `list`, `stat` and `read`) until the
 * upload is completed, and an upload can be sealed, recorded, and completed or aborted later by
 * another process (this is how a crashed run's pending writes are finished or discarded).
 */

/** An object as listed: its key and size in bytes. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/**
 * An upload whose bytes are all written, not yet visible: what a commit records so that any
 * process can complete it. JSON-serialisable; opaque apart from `key` and `uploadId`.
 */
export interface SealedUpload {
  readonly key: string;
  readonly uploadId: string;
  /** What the store needs to assemble the object (e.g. S3 part numbers and ETags). */
  readonly parts: readonly { readonly number: number; readonly etag: string }[];
  readonly size: number;
}

/** An upload started and neither completed nor aborted, as listed for recovery. */
export interface PendingUpload {
  readonly key: string;
  readonly uploadId: string;
}

/** Bytes of one object being written. Chunks are copied or sent before `write` resolves. */
export interface ObjectUpload {
  readonly key: string;
  readonly uploadId: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Makes every written byte durable in the store, still invisible; says how to complete it. */
  seal(): Promise<SealedUpload>;
  /** Discards what was written. */
  abort(): Promise<void>;
}

export interface ObjectStorage {
  /** Where the storage is, for messages: a path or `s3://bucket/prefix`, never a credential. */
  readonly location: string;
  /** Every object whose key starts with `prefix` (a plain string prefix), sorted by key. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** The object's size, or undefined when there is no such object. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** The object's bytes as a stream of chunks; a missing object fails with an error naming it. */
  read(key: string): AsyncIterable<Uint8Array>;
  /** Bytes `[start, end)` of the object. */
  readRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** Writes a small object whole; it replaces any object of that key in one step. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Starts a staged upload of `key`: invisible until completed. */
  upload(key: string): Promise<ObjectUpload>;
  /**
   * Makes a sealed upload visible as its key, replacing any object there. Completing an upload
   * that was already completed (its staged bytes gone, its object present) succeeds.
   */
  complete(sealed: SealedUpload): Promise<void>;
  /** Uploads under `prefix` started and neither completed nor aborted (e.g. by a killed run). */
  pendingUploads(prefix: string): AsyncIterable<PendingUpload>;
  /** Discards a pending upload; one already gone is fine. */
  abortUpload(pending: PendingUpload): Promise<void>;
  /** Copies an object (e.g. an input to `done/`); on object stores this is not atomic with a delete. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Deletes an object; a missing one is fine. */
  delete(key: string): Promise<void>;
}

/** Keys are relative, `/`-separated, without empty, `.` or `..` components. */
export function checkObjectKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.endsWith('/')) {
    throw new RangeError(`object key ${JSON.stringify(key)} must be a relative path to an object`);
  }
  for (const part of key.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new RangeError(`object key ${JSON.stringify(key)} has an empty, "." or ".." component`);
    }
  }
  return key;
}

/** `s3://bucket/prefix` parsed; undefined for anything that is not an `s3://` URL. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) return undefined;
  const prefix = (match[2] ?? '').replace(/\/+$/, '');
  return { bucket: match[1] as string, prefix };
}

/** Whether a `--input`/`--output` value names object storage rather than a local path. */
export function isObjectStorageUrl(location: string): boolean {
  return /^s3:\/\//i.test(location);
}
