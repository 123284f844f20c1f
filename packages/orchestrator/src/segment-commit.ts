/**
 * All-or-nothing publication of one segment's output.
 *
 * Files are finished under hidden temporary names first. Writing the segment's manifest is the
 * commit point; after it, temporary files are renamed into place (roll forward). A crash before
 * the manifest leaves only hidden temporaries, which recovery deletes (roll back); a crash after
 * it is finished by recovery. File names derive from the segment, so running a segment again
 * replaces its files instead of duplicating rows.
 */
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { WrittenFile } from '@etl/core';
import { writeFileAtomic } from './atomic-file.js';

export interface ManifestFile {
  readonly dataset: string;
  /** Final path, relative to the output root. */
  readonly path: string;
  /** Temporary path, relative to the output root; dropped once published. */
  readonly temp?: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface SegmentManifest {
  readonly version: 1;
  readonly segment: string;
  readonly inputId: string;
  readonly committedAt: string;
  readonly published: boolean;
  readonly files: readonly ManifestFile[];
  readonly quarantinedLines: number;
}

export const MANIFEST_DIR = '_manifests';

export function manifestPath(outRoot: string, inputId: string): string {
  return path.join(outRoot, MANIFEST_DIR, `${inputId}.json`);
}

export async function readManifest(file: string): Promise<SegmentManifest | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SegmentManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Renames every unpublished file of a manifest into place and marks it published. */
async function publish(outRoot: string, file: string, manifest: SegmentManifest): Promise<void> {
  for (const f of manifest.files) {
    if (!f.temp) continue;
    const temp = path.join(outRoot, f.temp);
    if (await exists(temp)) await rename(temp, path.join(outRoot, f.path));
    else if (!(await exists(path.join(outRoot, f.path)))) {
      throw new Error(`manifest ${file}: neither ${f.temp} nor ${f.path} exists`);
    }
  }
  const files = manifest.files.map(({ temp: _temp, ...rest }) => rest);
  await writeFileAtomic(file, `${JSON.stringify({ ...manifest, published: true, files }, null, 2)}\n`);
}

/**
 * Commits a segment's deferred files: manifest first, then renames, then removes files an earlier
 * run of the same segment wrote that this run did not (different partitions or rollover).
 */
export async function commitSegment(
  outRoot: string,
  segment: string,
  inputId: string,
  written: readonly { dataset: string; file: WrittenFile }[],
  quarantinedLines: number,
): Promise<SegmentManifest> {
  const file = manifestPath(outRoot, inputId);
  const previous = await readManifest(file);
  const manifest: SegmentManifest = {
    version: 1,
    segment,
    inputId,
    committedAt: new Date().toISOString(),
    published: false,
    quarantinedLines,
    files: written.map(({ dataset, file: f }) => ({
      dataset,
      path: path.relative(outRoot, f.path),
      ...(f.tempPath ? { temp: path.relative(outRoot, f.tempPath) } : {}),
      rows: f.rows,
      bytes: f.bytes,
    })),
  };
  await writeFileAtomic(file, `${JSON.stringify(manifest, null, 2)}\n`);
  await publish(outRoot, file, manifest);
  if (previous) {
    const keep = new Set(manifest.files.map((f) => f.path));
    for (const f of previous.files) {
      if (!keep.has(f.path)) await unlink(path.join(outRoot, f.path)).catch(() => {});
    }
  }
  return { ...manifest, published: true };
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_RE = /^\..*\.(\d+)-[0-9a-f]+\.tmp$/;

async function* walk(dir: string): AsyncGenerator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

export interface RecoveryReport {
  readonly rolledForward: number;
  readonly tempFilesRemoved: number;
}

/**
 * Finishes what a crashed run left: publishes committed-but-unpublished manifests, then removes
 * temporary files of dead processes (written by a run that never reached its commit point).
 */
export async function recoverOutput(outRoot: string): Promise<RecoveryReport> {
  let rolledForward = 0;
  let tempFilesRemoved = 0;
  const manifestDir = path.join(outRoot, MANIFEST_DIR);
  for await (const file of walk(manifestDir)) {
    if (!file.endsWith('.json') || path.basename(file).startsWith('.')) continue;
    const manifest = await readManifest(file);
    if (manifest && !manifest.published) {
      await publish(outRoot, file, manifest);
      rolledForward++;
    }
  }
  for await (const file of walk(outRoot)) {
    const m = TEMP_RE.exec(path.basename(file));
    if (m && !pidAlive(Number(m[1]))) {
      await unlink(file).catch(() => {});
      tempFilesRemoved++;
    }
  }
  return { rolledForward, tempFilesRemoved };
}
