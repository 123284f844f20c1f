/**
 * Publishing a segment's committed output to object storage, where there is no rename and (on
 * some servers) no conditional PUT. The protocol, after S3A's "magic" committer:
 *
 * 1. Every file of the segment (dataset parts, quarantine, checkpoint) is sent as a staged
 *    upload (a multipart upload on S3) and sealed: its bytes are stored, no object is visible.
 * 2. **Commit point**: one object, `_commits/<inputId>.json`, is written whole. It holds the
 *    segment's manifest and every sealed upload (ids and part ETags).
 * 3. Each upload is completed (atomic per object), files of an earlier commit of the segment that
 *    this one does not have are deleted, the manifest is written to `_manifests/`.
 * 4. The commit record is deleted.
 *
 * Recovery (before a run converts anything): every commit record left is rolled forward (steps
 * 3-4; completing an upload twice is harmless), then every other pending upload under the output
 * is aborted: it belongs to a segment that never reached its commit point.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { type Logger, type ObjectStorage, type SealedUpload, silentLogger } from '@etl/core';
import type { SegmentManifest } from './segment-commit.js';

const COMMITS_PREFIX = '_commits/';
const MANIFESTS_PREFIX = '_manifests/';

/** The commit record: what recovery needs to finish a segment's publication. */
interface CommitRecord {
  readonly version: 1;
  readonly inputId: string;
  readonly manifest: SegmentManifest;
  readonly uploads: readonly SealedUpload[];
}

function manifestKey(inputId: string): string {
  return `${MANIFESTS_PREFIX}${inputId}.json`;
}

/** Sends a local file as a staged upload, streamed (one part in memory at most). */
async function stageFile(storage: ObjectStorage, file: string, key: string): Promise<SealedUpload> {
  const upload = await storage.upload(key);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      await upload.write(chunk as Buffer);
    }
    return await upload.seal();
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw error;
  }
}

/** Every file a manifest publishes, relative to the output root, `/`-separated. */
function manifestFiles(manifest: SegmentManifest): string[] {
  return [...manifest.files.map((f) => f.path), ...(manifest.side ?? []).map((s) => s.path)].map((p) =>
    p.split(path.sep).join('/'),
  );
}

/**
 * Publishes the segment that `manifest` describes from the local output `localRoot` to `storage`.
 * Throws before the commit point: nothing visible changed. Throws after it: recovery finishes.
 */
export async function publishSegment(
  storage: ObjectStorage,
  localRoot: string,
  manifest: SegmentManifest,
  options: { readonly beforeCommitPoint?: () => void } = {},
): Promise<void> {
  const uploads: SealedUpload[] = [];
  try {
    for (const key of manifestFiles(manifest)) {
      uploads.push(await stageFile(storage, path.join(localRoot, ...key.split('/')), key));
    }
    options.beforeCommitPoint?.();
  } catch (error) {
    for (const sealed of uploads) await storage.abortUpload(sealed).catch(() => undefined);
    throw error;
  }
  const record: CommitRecord = { version: 1, inputId: manifest.inputId, manifest, uploads };
  await storage.put(`${COMMITS_PREFIX}${manifest.inputId}.json`, Buffer.from(JSON.stringify(record)));
  await rollForward(storage, record);
}

async function rollForward(storage: ObjectStorage, record: CommitRecord): Promise<void> {
  for (const sealed of record.uploads) await storage.complete(sealed);
  const kept = new Set(manifestFiles(record.manifest));
  for (const old of record.manifest.replaced ?? []) {
    const key = old.split(path.sep).join('/');
    if (!kept.has(key)) await storage.delete(key);
  }
  const published: SegmentManifest = { ...record.manifest, published: true };
  await storage.put(manifestKey(record.inputId), Buffer.from(`${JSON.stringify(published, null, 2)}\n`));
  await storage.delete(`${COMMITS_PREFIX}${record.inputId}.json`);
}

export interface ObjectRecoveryReport {
  /** Segments whose publication a crash interrupted after the commit point, finished now. */
  readonly rolledForward: string[];
  /** Uploads of segments that never reached their commit point, discarded. */
  readonly aborted: number;
}

/** Finishes every committed segment and discards every other pending upload under `storage`. */
export async function recoverObjectOutput(
  storage: ObjectStorage,
  logger: Logger = silentLogger,
): Promise<ObjectRecoveryReport> {
  const rolledForward = await rollForwardCommits(storage, logger);
  const aborted = await abortPendingUploads(storage);
  if (aborted) logger.info('discarded uploads an interrupted run left uncommitted', { uploads: aborted });
  return { rolledForward, aborted };
}

/**
 * Finishes every segment whose commit record is left (the first half of recovery). Safe while
 * other processes publish: rolling a record forward twice gives the same objects.
 */
export async function rollForwardCommits(
  storage: ObjectStorage,
  logger: Logger = silentLogger,
): Promise<string[]> {
  const rolledForward: string[] = [];
  const records: string[] = [];
  for await (const object of storage.list(COMMITS_PREFIX)) records.push(object.key);
  for (const key of records) {
    const record = await readJson<CommitRecord>(storage, key);
    if (!record) continue;
    await rollForward(storage, record);
    rolledForward.push(record.inputId);
    logger.info('finished publishing a segment an interrupted run had committed', {
      segment: record.manifest.segment,
    });
  }
  return rolledForward;
}

/** Finishes the publication of `inputId` if its commit record is left; true when there was one. */
export async function rollForwardCommit(storage: ObjectStorage, inputId: string): Promise<boolean> {
  const record = await readJson<CommitRecord>(storage, `${COMMITS_PREFIX}${inputId}.json`);
  if (!record) return false;
  await rollForward(storage, record);
  return true;
}

/**
 * Aborts pending uploads (the second half of recovery): all of them, or only those of `keys`
 * (a segment's own files, which only the process converting that segment may be writing).
 */
export async function abortPendingUploads(
  storage: ObjectStorage,
  keys?: ReadonlySet<string>,
): Promise<number> {
  const pending = [];
  for await (const upload of storage.pendingUploads('')) {
    if (!keys || keys.has(upload.key)) pending.push(upload);
  }
  for (const upload of pending) await storage.abortUpload(upload);
  return pending.length;
}

/** The keys a segment's manifest publishes (its dataset files and side files). */
export function publishedKeys(manifest: SegmentManifest): Set<string> {
  return new Set(manifestFiles(manifest));
}

/** The published manifest of `inputId` in `storage`, if any. */
export function readObjectManifest(
  storage: ObjectStorage,
  inputId: string,
): Promise<SegmentManifest | undefined> {
  return readJson<SegmentManifest>(storage, manifestKey(inputId));
}

/** A small JSON object read whole; undefined when missing. */
export async function readJson<T>(storage: ObjectStorage, key: string): Promise<T | undefined> {
  if (!(await storage.stat(key))) return undefined;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of storage.read(key)) chunks.push(Buffer.from(chunk));
  } catch (error) {
    // Deleted since the stat (another worker finished the same commit record): not an error.
    if (!(await storage.stat(key))) return undefined;
    throw error;
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}
