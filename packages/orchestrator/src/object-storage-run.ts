/**
 * `etl run` when the input or the output is object storage. A segment is still the unit of work
 * and is converted by the local job, unchanged, on a local scratch copy:
 *
 * - the segment is streamed from `ready/` to a scratch `ready/` (bounded memory, its SHA-256
 *   hashed on the way); the output's `_manifests/` and `_state/` are mirrored once per run, so
 *   order books carry over between segments exactly as on disk;
 * - the local job converts and commits it in the scratch output;
 * - its committed files are published to the output by the object-storage commit protocol
 *   (object-storage-commit.ts): invisible until the commit record is written, rolled forward
 *   after a crash, every other pending upload aborted;
 * - only then is the input deleted from `ready/` (or copied to `done/`); a failed segment goes to
 *   `failed/` with its report.
 *
 * A segment already committed from the same bytes (a run killed after its commit, before the
 * input was removed) is not converted again: its input is only disposed of.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type Logger, type ObjectStorage, silentLogger } from '@etl/core';
import { pathExists } from './file-tree.js';
import { failureReportPath } from './job-layout.js';
import { emptySummary, type JobSummary, mergeSummary } from './job-summary.js';
import { publishSegment, readObjectManifest, recoverObjectOutput } from './object-storage-commit.js';
import { InputLease } from './object-storage-lease.js';
import { downloadObject, mirrorPrefix } from './object-storage-mirror.js';
import { MANIFEST_DIR, readManifest, type SegmentManifest } from './segment-commit.js';
import { isSegmentFile, segmentId } from './segment-id.js';

export interface ObjectStorageRunOptions {
  /** Where segments wait (`…/ready/coinbase`), and the stages beside it. */
  readonly ready: ObjectStorage;
  readonly done: ObjectStorage;
  readonly failed: ObjectStorage;
  /** Where the run's lease lives (`…/processing/coinbase`). */
  readonly processing: ObjectStorage;
  /** The output's `coinbase/` root: datasets, `_manifests/`, `_state/`, `_quarantine/`. */
  readonly output: ObjectStorage;
  /** A local scratch directory, emptied by the run. */
  readonly workDir: string;
  /** Keep converted inputs in `done/` instead of deleting them. */
  readonly keepInput: boolean;
  /** Runs the local job from `readyDir` (holding one segment) into `outputDir`. */
  readonly convert: (readyDir: string, outputDir: string) => Promise<JobSummary>;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** Called once the segment's files are staged, before its commit point (tests crash here). */
  readonly beforeCommitPoint?: (segment: string) => void;
}

export class ObjectStorageRun {
  private readonly logger: Logger;
  private readonly readyDir: string;
  private readonly outDir: string;
  /** The scratch output's `coinbase/`: what the manifests' paths are relative to. */
  private readonly outRoot: string;

  constructor(private readonly options: ObjectStorageRunOptions) {
    this.logger = options.logger ?? silentLogger;
    this.readyDir = path.join(options.workDir, 'ready', 'coinbase');
    this.outDir = path.join(options.workDir, 'out');
    this.outRoot = path.join(this.outDir, 'coinbase');
  }

  async processAll(): Promise<JobSummary> {
    const started = Date.now();
    const { ready, output } = this.options;
    const lease = await InputLease.acquire(this.options.processing, ready.location);
    const summary = emptySummary();
    try {
      await recoverObjectOutput(output, this.logger);
      await rm(this.options.workDir, { recursive: true, force: true });
      await mkdir(this.readyDir, { recursive: true });
      await this.mirror(MANIFEST_DIR);
      await this.mirror('_state');
      const segments: string[] = [];
      for await (const object of ready.list('')) {
        if (!object.key.includes('/') && isSegmentFile(object.key)) segments.push(object.key);
      }
      for (const segment of segments) {
        if (this.options.signal?.aborted) {
          summary.interrupted = true;
          break;
        }
        mergeSummary(summary, await this.processSegment(segment));
      }
    } finally {
      await lease.release().catch(() => undefined);
      await rm(this.options.workDir, { recursive: true, force: true }).catch(() => undefined);
    }
    summary.elapsed_s = (Date.now() - started) / 1000;
    return summary;
  }

  /** Copies every object under `prefix` of the output into the scratch output. */
  private async mirror(prefix: string): Promise<void> {
    await mirrorPrefix(this.options.output, `${prefix}/`, this.outRoot);
  }

  private async processSegment(segment: string): Promise<JobSummary> {
    const { ready, output } = this.options;
    const inputId = segmentId(segment);
    const local = path.join(this.readyDir, segment);
    const sha256 = await downloadObject(ready, segment, local);
    const committed = await readObjectManifest(output, inputId);
    if (committed?.segment === segment && committed.input?.sha256 === sha256 && committed.published) {
      this.logger.info('segment already committed by an interrupted run; removing its input', { segment });
      await rm(local, { force: true });
      await this.dispose(segment, committed);
      const resumed = emptySummary();
      resumed.segments.processed = resumed.segments.resumed = 1;
      resumed.lines = committed.input.lines;
      resumed.bytes_in = committed.input.bytes;
      return resumed;
    }
    const result = await this.options.convert(this.readyDir, this.outDir);
    if (await pathExists(local)) {
      // Not taken by the local job (outside the selected dates, or interrupted): left in ready/.
      await rm(local, { force: true });
      return result;
    }
    if (result.segments.failed > 0) {
      await this.moveToFailed(segment);
      return result;
    }
    const manifest = await readManifest(path.join(this.outRoot, MANIFEST_DIR, `${inputId}.json`));
    if (!manifest) throw new Error(`${segment}: the local job committed no manifest`);
    await publishSegment(output, this.outRoot, manifest, {
      beforeCommitPoint: () => this.options.beforeCommitPoint?.(segment),
    });
    await this.dispose(segment, manifest);
    // Published: the scratch copies of its dataset files are no longer needed.
    for (const file of manifest.files) await rm(path.join(this.outRoot, file.path), { force: true });
    for (const kept of result.kept_inputs) {
      kept.path = `${this.options.done.location}/${segment}`;
    }
    return result;
  }

  /** Deletes a converted input from `ready/`, or keeps it in `done/` when asked or needed. */
  private async dispose(segment: string, manifest: SegmentManifest): Promise<void> {
    if (this.options.keepInput || manifest.keepInput)
      await copyBetween(this.options.ready, this.options.done, segment);
    await this.options.ready.delete(segment);
  }

  private async moveToFailed(segment: string): Promise<void> {
    const { ready, failed } = this.options;
    const localFailed = path.join(this.options.workDir, 'failed', 'coinbase');
    const report = failureReportPath(localFailed, segment);
    try {
      await failed.put(path.basename(report), await readFile(report));
    } catch (error) {
      this.logger.warn('the failure report could not be copied to failed/', {
        segment,
        error: errorMessage(error),
      });
    }
    await copyBetween(ready, failed, segment);
    await ready.delete(segment);
    await rm(path.join(localFailed, segment), { force: true });
  }
}

/** Copies one object between two storages (the same store: a server-side copy is not assumed). */
async function copyBetween(from: ObjectStorage, to: ObjectStorage, key: string): Promise<void> {
  const upload = await to.upload(key);
  try {
    for await (const chunk of from.read(key)) await upload.write(chunk);
    await to.complete(await upload.seal());
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw error;
  }
}

/**
 * Where a stage of a segment's life lives beside `ready`, as `stageDir` does on disk:
 * `s3://b/raw/ready/coinbase` → `s3://b/raw/done/coinbase`.
 */
export function stageLocation(ready: string, stage: string): string {
  const trimmed = ready.replace(/\/+$/, '');
  const parts = trimmed.split('/');
  const i = parts.lastIndexOf('ready');
  if (i >= 0 && i >= (trimmed.startsWith('s3://') ? 3 : 0)) {
    parts[i] = stage;
    return parts.join('/');
  }
  const last = parts.pop() as string;
  return [...parts, stage, last].join('/');
}
