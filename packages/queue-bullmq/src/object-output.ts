/**
 * A worker whose output is object storage (`etl worker --output s3://…`). Each process converts
 * into a local scratch output, exactly as onto a shared disk, and publishes every committed
 * segment with the orchestrator's object-storage commit protocol (staged uploads, a commit record
 * as the commit point, then completion). The book-state chain goes through the bucket: a saved
 * checkpoint is put as one object, and a job copies the checkpoint it restores from the bucket
 * before it looks for it.
 *
 * The storage package is named by a module URL (resolved by the caller, e.g. the CLI) so that
 * every worker thread opens its own client and this package does not depend on the AWS SDK.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger, ObjectStorage } from '@etl/core';
import {
  abortPendingUploads,
  downloadObject,
  publishedKeys,
  publishSegment,
  readObjectManifest,
  rollForwardCommit,
  rollForwardCommits,
} from '@etl/orchestrator';
import type { SegmentManifest } from '@etl/orchestrator/internal';

/** Where an object-storage output is and which module opens it (plain data: sent to threads). */
export interface ObjectOutputSettings {
  /** The output root, e.g. `s3://bucket/processed`; datasets live under `<url>/coinbase/`. */
  readonly url: string;
  /** URL of a module exporting `S3ObjectStorage.fromUrl(url)` (`@etl/storage-s3`). */
  readonly module: string;
}

const CHECKPOINTS_PREFIX = '_state/checkpoints/';

/** Opens the output's `coinbase/` root. */
export async function openObjectOutput(settings: ObjectOutputSettings): Promise<ObjectStorage> {
  const mod = (await import(settings.module)) as {
    S3ObjectStorage?: { fromUrl(url: string): ObjectStorage };
  };
  if (!mod.S3ObjectStorage) throw new Error(`${settings.module} exports no S3ObjectStorage`);
  return mod.S3ObjectStorage.fromUrl(`${settings.url.replace(/\/+$/, '')}/coinbase`);
}

/**
 * Opens the output for a worker's main thread and finishes every publication a killed worker
 * had committed. Other pending uploads may be live workers' and are left (see abortLeftUploads).
 */
export async function openRecoveredOutput(
  settings: ObjectOutputSettings,
  logger: Logger,
): Promise<ObjectStorage> {
  const storage = await openObjectOutput(settings);
  const rolled = await rollForwardCommits(storage, logger);
  if (rolled.length) logger.info('finished interrupted publications', { segments: rolled.length });
  return storage;
}

/** Aborts every pending upload; only when no job is active in any queue (none can be live). */
export async function abortLeftUploads(storage: ObjectStorage, logger: Logger): Promise<void> {
  const aborted = await abortPendingUploads(storage);
  if (aborted) logger.info('discarded uploads of interrupted attempts', { uploads: aborted });
}

/** One process's link between its scratch output (`scratchRoot` = `<scratch>/coinbase`) and the bucket. */
export class ObjectOutput {
  constructor(
    readonly storage: ObjectStorage,
    private readonly scratchRoot: string,
  ) {}

  /**
   * Copies from the bucket what a job of `inputId` may read: the state saved after it (if any)
   * and the latest state saved before it (what its conversion restores). Only those two, so a
   * long-lived worker never downloads the whole chain.
   */
  async syncCheckpoints(inputId: string): Promise<void> {
    const own = `${CHECKPOINTS_PREFIX}${inputId}.json`;
    let ownSaved = false;
    let latestBefore: string | undefined;
    for await (const object of this.storage.list(CHECKPOINTS_PREFIX)) {
      if (object.key === own) ownSaved = true;
      else if (object.key < own && (latestBefore === undefined || object.key > latestBefore))
        latestBefore = object.key;
    }
    for (const key of [latestBefore, ownSaved ? own : undefined]) {
      if (key === undefined) continue;
      const file = path.join(this.scratchRoot, ...key.split('/'));
      if (!(await exists(file))) await downloadObject(this.storage, key, file);
    }
  }

  /** Puts the state saved after `inputId` (one object: visible whole or not at all). */
  async putCheckpoint(inputId: string): Promise<void> {
    const key = `${CHECKPOINTS_PREFIX}${inputId}.json`;
    await this.storage.put(key, await readFile(path.join(this.scratchRoot, ...key.split('/'))));
  }

  /** The segment's published manifest in the bucket, if any. */
  publishedManifest(inputId: string): Promise<SegmentManifest | undefined> {
    return readObjectManifest(this.storage, inputId);
  }

  /**
   * Publishes a segment committed in the scratch output. What an earlier attempt left (a worker
   * killed mid-publish; the job then moved here) is settled first: a commit record it wrote is
   * rolled forward, uploads of the segment's files it had not committed are aborted. Only the
   * job holding the segment's lock writes those keys.
   */
  async publish(manifest: SegmentManifest): Promise<void> {
    await rollForwardCommit(this.storage, manifest.inputId);
    await abortPendingUploads(this.storage, publishedKeys(manifest));
    await publishSegment(this.storage, this.scratchRoot, manifest);
    // Published: the scratch copies of its dataset files are no longer needed.
    for (const file of manifest.files) await rm(path.join(this.scratchRoot, file.path), { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
