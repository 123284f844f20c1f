/**
 * The per-date commit step over an object-storage output: the bucket's published segment
 * manifests are copied to a scratch directory, the date's manifest is built there by the same
 * `commitDate` as on disk, then put to `_dates/<date>/manifest.json` (one object, visible whole)
 * followed by `_SUCCESS` when the date is complete.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStorage } from '@etl/core';
import { mirrorPrefix } from '@etl/orchestrator';
import { MANIFEST_DIR } from '@etl/orchestrator/internal';
import { commitDate, type DateManifest } from './date-commit.js';

export async function commitDateToObjects(
  storage: ObjectStorage,
  scratchParent: string,
  date: string,
  failed: readonly { segment: string; reason: string }[],
): Promise<{ readonly manifest: DateManifest; readonly manifestKey: string }> {
  const scratch = await mkdtemp(path.join(scratchParent, 'date-'));
  try {
    const root = path.join(scratch, 'coinbase');
    await mirrorPrefix(storage, `${MANIFEST_DIR}/`, root);
    const local = await commitDate(root, date, failed);
    const prefix = `_dates/${date}/`;
    // As on disk: an incomplete batch withdraws the marker before the manifest changes.
    if (!local.manifest.complete) await storage.delete(`${prefix}_SUCCESS`);
    await storage.put(`${prefix}manifest.json`, await readFile(local.manifestPath));
    if (local.manifest.complete) await storage.put(`${prefix}_SUCCESS`, Buffer.alloc(0));
    return { manifest: local.manifest, manifestKey: `${prefix}manifest.json` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
