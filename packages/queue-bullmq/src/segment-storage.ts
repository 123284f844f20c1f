/**
 * The storage seam between the queue and where segments live. Jobs carry a segment's URL, not a
 * path on the enqueuing machine; a worker's storage turns it into a local file to read and
 * finishes it after the commit. The shared-filesystem storage here is what runs today (every
 * machine mounts the same directory at the same path); an object store would download in
 * `localPath` and delete or copy in `finish`/`fail`.
 */
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@etl/core';
import { isSegmentFile, segmentDate, segmentId } from '@etl/orchestrator';
import { stageDir } from '@etl/orchestrator/internal';
import { writeTextAtomic } from './atomic-text.js';

/** A closed segment waiting to be processed. */
export interface ReadySegment {
  readonly inputId: string;
  /** File name. */
  readonly segment: string;
  readonly url: string;
  readonly date: string | null;
}

/** Why a segment failed for good: written next to it in `failed/`. */
export interface FailureReport {
  readonly segment: string;
  readonly failed_at: string;
  readonly error: string;
  readonly attempts: number;
  readonly job: string;
}

export interface SegmentStorage {
  /** Ready segments under `location` (a directory path or URL), sorted by id. */
  list(location: string): Promise<ReadySegment[]>;
  /** True while the segment is still waiting at its URL. */
  exists(url: string): Promise<boolean>;
  /** A local file with the segment's bytes. */
  localPath(url: string): Promise<string>;
  /** After a commit: delete the segment, or with `keep` move it to `done/`. */
  finish(url: string, keep: boolean): Promise<void>;
  /** After the last attempt failed: move it to `failed/` with `<name>.error.json`; never deleted. */
  fail(url: string, report: FailureReport): Promise<void>;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Segments on a filesystem every worker mounts at the same path (NFS, a shared volume, one disk). */
export class SharedFileSystemStorage implements SegmentStorage {
  async list(location: string): Promise<ReadySegment[]> {
    const dir = location.startsWith('file:') ? fileURLToPath(location) : path.resolve(location);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isMissing(error)) throw new ConfigError('input', `input directory ${dir} does not exist`);
      throw error;
    }
    return names
      .filter(isSegmentFile)
      .map((name) => ({
        inputId: segmentId(name),
        segment: name,
        url: pathToFileURL(path.join(dir, name)).href,
        date: segmentDate(name) ?? null,
      }))
      .sort((a, b) => (a.inputId < b.inputId ? -1 : a.inputId > b.inputId ? 1 : 0));
  }

  async exists(url: string): Promise<boolean> {
    try {
      return (await stat(this.toPath(url))).isFile();
    } catch {
      return false;
    }
  }

  async localPath(url: string): Promise<string> {
    return this.toPath(url);
  }

  async finish(url: string, keep: boolean): Promise<void> {
    const file = this.toPath(url);
    try {
      if (!keep) {
        await unlink(file);
        return;
      }
      const done = stageDir(path.dirname(file), 'done');
      await mkdir(done, { recursive: true });
      await rename(file, path.join(done, path.basename(file)));
    } catch (error) {
      // A duplicate run of the same job finished it first.
      if (!isMissing(error)) throw error;
    }
  }

  async fail(url: string, report: FailureReport): Promise<void> {
    const file = this.toPath(url);
    const failed = stageDir(path.dirname(file), 'failed');
    await mkdir(failed, { recursive: true });
    try {
      await rename(file, path.join(failed, path.basename(file)));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    await writeTextAtomic(
      path.join(failed, `${path.basename(file)}.error.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  }

  private toPath(url: string): string {
    if (!url.startsWith('file:')) {
      throw new ConfigError(
        'storage',
        `${url}: this worker reads segments from a shared filesystem (file:// URLs) only`,
      );
    }
    return fileURLToPath(url);
  }
}
