/**
 * All-or-nothing publication of one segment's output.
 *
 * Every file of a segment (dataset part files, its quarantine file, the processor checkpoint after
 * it) is finished under a hidden temporary name first. Writing the segment's manifest is the
 * commit point; after it the temporaries are renamed into place and the files an earlier commit
 * of the same segment published but this one does not are removed (roll forward). A crash before
 * the manifest leaves only hidden temporaries, which recovery deletes (roll back); a crash after
 * it is finished by recovery. Publishing is idempotent (a temporary already renamed is skipped),
 * so a crashed publisher, a restarted one and a recovering process can all finish the same
 * manifest. File names derive from the segment, so running a segment again replaces its files
 * instead of duplicating rows.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EtlError, errorMessage, type Logger, silentLogger, type WrittenFile } from '@etl/core';
import { writeFileAtomic } from './atomic-file.js';
import { refuseCompactedSegment } from './compaction-guard.js';
import { recoverCompactions } from './compaction-manifest.js';
import { localCompactionStore } from './compaction-store.js';
import { directoriesUpTo, syncDirectories } from './durable-dirs.js';
import { filesUnder, pathExists } from './file-tree.js';
import { pidAlive } from './process-identity.js';

export interface ManifestFile {
  readonly dataset: string;
  /** Final path, relative to the output root. */
  readonly path: string;
  /** Temporary path, relative to the output root; dropped once published. */
  readonly temp?: string;
  readonly rows: number;
  readonly bytes: number;
}

/** A file committed with a segment that belongs to no dataset (quarantine, checkpoint). */
export interface ManifestSideFile {
  readonly kind: string;
  /** Final path, relative to the output root. */
  readonly path: string;
  /** Temporary path, relative to the output root; dropped once published. */
  readonly temp?: string;
}

/** What a segment was committed from, so a re-run can tell whether its output is current. */
export interface ManifestInput {
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly lines: number;
  /** SHA-256 of the file's bytes as read (see input-identity.ts); absent in older manifests. */
  readonly sha256?: string;
}

export interface SegmentManifest {
  readonly version: 1;
  readonly segment: string;
  readonly inputId: string;
  readonly committedAt: string;
  readonly published: boolean;
  readonly files: readonly ManifestFile[];
  readonly quarantinedLines: number;
  /** Random id of this commit: a late publisher never marks a newer commit as its own. */
  readonly commitId?: string;
  readonly side?: readonly ManifestSideFile[];
  /** Files of an earlier commit of the same segment that this one does not have: removed on publish. */
  readonly replaced?: readonly string[];
  readonly input?: ManifestInput;
  /** Fingerprint of the settings the output was made with. */
  readonly config?: string;
  /** Rows the writer rejected (they are in the quarantine file too). */
  readonly quarantinedRows?: number;
  /** Data lines not converted because their dataset was not written, by channel. */
  readonly skippedLines?: Readonly<Record<string, number>>;
  /** Why the input must be kept (in done/), not deleted, once published. */
  readonly keepInput?: string;
}

export interface CommitOptions {
  /** Side files, absolute paths: `path` final, `tempPath` where the finished file is now. */
  readonly side?: readonly { readonly kind: string; readonly path: string; readonly tempPath: string }[];
  readonly input?: ManifestInput;
  readonly config?: string;
  readonly quarantinedRows?: number;
  readonly skippedLines?: Readonly<Record<string, number>>;
  readonly keepInput?: string;
  readonly logger?: Logger;
  /** Throws to refuse the commit, given the segment's current manifest (checked before the commit point). */
  readonly checkPrevious?: (previous: SegmentManifest | undefined) => void;
}

export const MANIFEST_DIR = '_manifests';

/** The output was committed but could not be fully published; recovery finishes it. */
export class SegmentPublishError extends EtlError {
  readonly committed = true;
  constructor(manifest: string, cause: unknown) {
    super(
      `${manifest}: output committed but publishing it failed (${errorMessage(cause)}); the next run finishes publishing it`,
      'E_PUBLISH',
      { cause },
    );
  }
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function manifestPath(outRoot: string, inputId: string): string {
  return path.join(outRoot, MANIFEST_DIR, `${inputId}.json`);
}

/** The manifest at `file`; undefined when there is none or it is not a manifest (damaged). */
export async function readManifest(file: string): Promise<SegmentManifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const m = JSON.parse(text) as SegmentManifest;
    return m && typeof m === 'object' && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The same path as the filesystem stores it (lone surrogates become U+FFFD in UTF-8). */
function storedPath(p: string): string {
  return Buffer.from(p, 'utf8').toString('utf8');
}

/** Marks `manifest` published, unless a newer commit of the segment replaced it meanwhile. */
async function markPublished(file: string, manifest: SegmentManifest): Promise<void> {
  const current = await readManifest(file);
  if (!current || current.commitId !== manifest.commitId) return;
  const files = manifest.files.map(({ temp: _temp, ...rest }) => rest);
  const side = manifest.side?.map(({ temp: _temp, ...rest }) => rest);
  const { replaced: _replaced, ...rest } = manifest;
  const done: SegmentManifest = { ...rest, published: true, files, ...(side ? { side } : {}) };
  await writeFileAtomic(file, `${JSON.stringify(done, null, 2)}\n`);
}

/**
 * Renames every unpublished file of a committed manifest into place, removes the files it
 * replaces and marks it published. Safe to run again and concurrently: a temporary that is gone
 * while its final file exists was published already.
 */
async function publish(
  outRoot: string,
  file: string,
  manifest: SegmentManifest,
  logger: Logger,
): Promise<void> {
  const missing: string[] = [];
  for (const f of [...manifest.files, ...(manifest.side ?? [])]) {
    if (!f.temp) continue;
    const final = path.join(outRoot, f.path);
    try {
      await rename(path.join(outRoot, f.temp), final);
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      if (!(await pathExists(final))) missing.push(f.path);
    }
  }
  if (manifest.replaced?.length && (await readManifest(file))?.commitId === manifest.commitId) {
    // Only while this is still the segment's commit: a newer one may have brought a file back.
    for (const r of manifest.replaced) {
      await unlink(path.join(outRoot, r)).catch((error: unknown) => {
        if (errno(error) !== 'ENOENT') throw error;
      });
    }
  }
  if (missing.length > 0) {
    throw new EtlError(
      `${file}: committed files are missing (neither temporary nor final file exists): ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`,
      'E_MANIFEST_BROKEN',
    );
  }
  try {
    await markPublished(file, manifest);
  } catch (error) {
    // Every file is in place; only the marker is stale, and recovery rewrites it.
    logger.warn('could not mark a published manifest (recovery will)', {
      manifest: file,
      error: errorMessage(error),
    });
  }
  // The renames above are durable only once their directories are synced: before the caller
  // deletes the input, every directory that received a file (and any new one above it) is.
  const received = [...manifest.files, ...(manifest.side ?? [])].map((f) =>
    path.dirname(path.join(outRoot, f.path)),
  );
  await syncDirectories(directoriesUpTo(path.dirname(outRoot), [path.dirname(file), ...received]));
}

/**
 * Commits a segment's deferred files: finishes an unpublished earlier commit of the segment, writes
 * the manifest (the commit point), renames the files into place and removes what an earlier commit
 * published that this one does not (other partitions, fewer roll-over files, no quarantine file).
 * Throws before the commit point when nothing was committed (the caller deletes its temporaries),
 * and {@link SegmentPublishError} after it (the temporaries belong to the commit: keep them).
 */
export async function commitSegment(
  outRoot: string,
  segment: string,
  inputId: string,
  written: readonly { dataset: string; file: WrittenFile }[],
  quarantinedLines: number,
  options: CommitOptions = {},
): Promise<SegmentManifest> {
  const logger = options.logger ?? silentLogger;
  const file = manifestPath(outRoot, inputId);
  const previous = await readManifest(file);
  options.checkPrevious?.(previous);
  if (previous) await refuseCompactedSegment(outRoot, segment, previous.files);
  if (previous && !previous.published) {
    // Its late renames must not land on top of this commit's files.
    await publish(outRoot, file, previous, logger).catch((error: unknown) =>
      logger.warn('an earlier commit of the segment could not be finished; replacing it', {
        manifest: file,
        error: errorMessage(error),
      }),
    );
  }
  const files: ManifestFile[] = written.map(({ dataset, file: f }) => ({
    dataset,
    path: path.relative(outRoot, f.path),
    ...(f.tempPath ? { temp: path.relative(outRoot, f.tempPath) } : {}),
    rows: f.rows,
    bytes: f.bytes,
  }));
  const side: ManifestSideFile[] = (options.side ?? []).map((s) => ({
    kind: s.kind,
    path: path.relative(outRoot, s.path),
    temp: path.relative(outRoot, s.tempPath),
  }));
  const finals = new Set<string>();
  for (const f of [...files, ...side]) {
    const key = storedPath(f.path);
    if (finals.has(key)) {
      throw new EtlError(
        `${segment}: two outputs of the segment map to the same file ${f.path}`,
        'E_OUTPUT_COLLISION',
      );
    }
    finals.add(key);
  }
  const replaced = new Set<string>();
  if (previous) {
    const earlier = [...previous.files, ...(previous.side ?? [])].map((f) => f.path);
    for (const p of [...earlier, ...(previous.replaced ?? [])])
      if (!finals.has(storedPath(p))) replaced.add(p);
  }
  const manifest: SegmentManifest = {
    version: 1,
    segment,
    inputId,
    commitId: randomBytes(8).toString('hex'),
    committedAt: new Date().toISOString(),
    published: false,
    quarantinedLines,
    ...(options.quarantinedRows ? { quarantinedRows: options.quarantinedRows } : {}),
    ...(options.input ? { input: options.input } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.skippedLines ? { skippedLines: options.skippedLines } : {}),
    ...(options.keepInput ? { keepInput: options.keepInput } : {}),
    files,
    ...(side.length ? { side } : {}),
    ...(replaced.size ? { replaced: [...replaced] } : {}),
  };
  await writeFileAtomic(file, `${JSON.stringify(manifest, null, 2)}\n`); // the commit point
  try {
    await publish(outRoot, file, manifest, logger);
  } catch (error) {
    throw new SegmentPublishError(file, error);
  }
  return { ...manifest, published: true };
}

/**
 * Publishes the manifest of `inputId` when it is committed but not yet published; returns it as
 * it then stands (undefined when there is none). Throws when publishing fails.
 */
export async function finishCommit(
  outRoot: string,
  inputId: string,
  options: { logger?: Logger } = {},
): Promise<SegmentManifest | undefined> {
  const file = manifestPath(outRoot, inputId);
  const manifest = await readManifest(file);
  if (!manifest || manifest.published) return manifest;
  await publish(outRoot, file, manifest, options.logger ?? silentLogger);
  return { ...manifest, published: true };
}

const TEMP_RE = /^\..*\.(\d+)-[0-9a-f]+\.tmp$/;

export interface RecoveryReport {
  readonly rolledForward: number;
  readonly tempFilesRemoved: number;
  /** Committed manifests that could not be finished (logged; their segment is processed again). */
  readonly unfinished?: number;
  /** Compactions a crashed `etl compact` left committed, finished or rolled back (compaction-manifest.ts). */
  readonly compactionsRolledForward?: number;
  readonly compactionsRolledBack?: number;
}

/**
 * Finishes what crashed runs left: publishes committed-but-unpublished manifests, then removes
 * temporary files of dead processes that no committed manifest needs (written by a run that never
 * reached its commit point). Never throws for one bad manifest: it is logged and left alone.
 */
export async function recoverOutput(
  outRoot: string,
  options: {
    logger?: Logger;
    /**
     * True when processes whose pids cannot be checked from here (another PID namespace or host)
     * may be writing: their temporaries look dead by pid, so only those older than `tempGraceMs`
     * are removed. Asked after the temporaries were listed (a writer claims before it writes).
     */
    foreignWriters?: () => Promise<boolean>;
    tempGraceMs?: number;
  } = {},
): Promise<RecoveryReport> {
  const logger = options.logger ?? silentLogger;
  // Compactions first: their committed temporaries must be renamed before the sweep below.
  const compactions = await recoverCompactions(localCompactionStore, outRoot, logger);
  // Temporaries of processes dead now, found first: a process dead now commits nothing later, so
  // every manifest that needs one of them is visible to the loop below.
  const dead: string[] = [];
  for await (const file of filesUnder(outRoot)) {
    const m = TEMP_RE.exec(path.basename(file));
    if (m && !pidAlive(Number(m[1]))) dead.push(file);
  }
  let rolledForward = 0;
  let unfinished = 0;
  const needed = new Set<string>(compactions.needed);
  for await (const file of filesUnder(path.join(outRoot, MANIFEST_DIR))) {
    if (!file.endsWith('.json') || path.basename(file).startsWith('.')) continue;
    const manifest = await readManifest(file);
    if (!manifest || manifest.published) continue;
    try {
      await publish(outRoot, file, manifest, logger);
      rolledForward++;
    } catch (error) {
      unfinished++;
      for (const f of [...manifest.files, ...(manifest.side ?? [])])
        if (f.temp) needed.add(path.join(outRoot, f.temp));
      logger.error('a committed segment could not be published', {
        manifest: file,
        error: errorMessage(error),
      });
    }
  }
  let tempFilesRemoved = 0;
  const graceMs = options.foreignWriters && (await options.foreignWriters()) ? (options.tempGraceMs ?? 0) : 0;
  for (const file of dead) {
    if (needed.has(file)) continue;
    if (graceMs > 0) {
      const mtimeMs = await stat(file).then(
        (st) => st.mtimeMs,
        () => 0,
      );
      if (Date.now() - mtimeMs < graceMs) continue;
    }
    try {
      await unlink(file);
      tempFilesRemoved++;
    } catch {
      // Renamed into place by the roll-forward above, or removed by someone else.
    }
  }
  return {
    rolledForward,
    tempFilesRemoved,
    ...(unfinished ? { unfinished } : {}),
    ...(compactions.rolledForward ? { compactionsRolledForward: compactions.rolledForward } : {}),
    ...(compactions.rolledBack ? { compactionsRolledBack: compactions.rolledBack } : {}),
  };
}
