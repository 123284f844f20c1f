/**
 * `etl run` with `s3://bucket/prefix` as `--input` or `--output` (SPEC section 6): the
 * orchestrator's ObjectStorageRun converts each segment with the ordinary local job on a scratch
 * copy and publishes it with the object-storage commit protocol. `@etl/storage-s3` (and the AWS
 * SDK) is loaded only here, only when an s3:// location is given.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isObjectStorageUrl, LocalObjectStorage, type ObjectStorage } from '@etl/core';
import { InputLeaseHeldError, type JobSummary, ObjectStorageRun, stageLocation } from '@etl/orchestrator';
import type { Flags } from '../command-spec.js';
import { toJson } from '../format.js';
import { parseSelection } from '../usage-checks.js';
import { UsageError } from '../usage-error.js';
import { createJob, type RunFlags, reworded, summaryJson, summaryText } from './run.js';

/** Whether `run` was given an object-storage location. */
export function usesObjectStorage(flags: RunFlags | Flags): boolean {
  const { input, output } = flags as RunFlags;
  return (
    (input !== undefined && isObjectStorageUrl(input)) || (output !== undefined && isObjectStorageUrl(output))
  );
}

/** A storage for a `--input`/`--output` value: a bucket for `s3://…`, else a local directory. */
export async function openStorage(location: string): Promise<ObjectStorage> {
  if (!isObjectStorageUrl(location)) return new LocalObjectStorage(path.resolve(location));
  let s3: typeof import('@etl/storage-s3');
  try {
    s3 = await import('@etl/storage-s3');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new UsageError(
        `${location}: s3:// locations need the @etl/storage-s3 package: npm install @etl/storage-s3`,
      );
    }
    throw error;
  }
  try {
    return s3.S3ObjectStorage.fromUrl(location);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function runOnObjectStorage(
  flags: RunFlags | Flags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
): Promise<number> {
  const given = flags as RunFlags;
  if (!given.input) throw new UsageError('--input <ready-dir or s3://bucket/prefix> is required');
  if (!given.output) throw new UsageError('--output <processed-dir or s3://bucket/prefix> is required');
  if (given['in-place']) throw new UsageError('--in-place is not supported with s3:// locations');
  const selection = parseSelection(given);
  const input = given.input.replace(/\/+$/, '');
  const output = given.output.replace(/\/+$/, '');
  const [ready, done, failed, processing, out] = await Promise.all(
    [
      input,
      stageLocation(input, 'done'),
      stageLocation(input, 'failed'),
      stageLocation(input, 'processing'),
      `${output}/coinbase`,
    ].map(openStorage),
  );
  let reword = (text: string) => text;
  const run = new ObjectStorageRun({
    ready: ready as ObjectStorage,
    done: done as ObjectStorage,
    failed: failed as ObjectStorage,
    processing: processing as ObjectStorage,
    output: out as ObjectStorage,
    workDir: await mkdtemp(path.join(tmpdir(), 'etl-object-run-')),
    keepInput: given['keep-input'] === true,
    signal,
    convert: async (readyDir, outputDir) => {
      const local = { ...given, input: readyDir, output: outputDir, 'keep-input': false, json: false };
      const created = await createJob(local, io, signal, rollbackSignal, { progress: false });
      reword = created.reword;
      if (selection.mode === 'date') return created.job.processDate(selection.date);
      if (selection.mode === 'range') return created.job.processDateRange(selection.start, selection.end);
      return created.job.processAll();
    },
  });
  let summary: JobSummary;
  try {
    summary = await run.processAll();
  } catch (error) {
    if (error instanceof InputLeaseHeldError) throw new UsageError(error.message);
    throw error;
  }
  summary = reworded(summary, reword);
  if (given.json) io.stdout.write(`${toJson(summaryJson(summary))}\n`);
  else if (!given.quiet) {
    // summaryText joins paths: keep the URL's `//`.
    io.stdout.write(
      summaryText(summary, output).replaceAll(path.join(output, 'coinbase'), `${output}/coinbase`),
    );
  }
  return summary.segments.failed > 0 ? 1 : 0;
}
