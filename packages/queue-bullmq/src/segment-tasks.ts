/**
 * What a `convert` and a `state` job do, apart from BullMQ: plain functions of the segment and
 * the worker's pipeline, so they are tested without a queue. Both are idempotent: outputs and
 * checkpoints have deterministic names and are published by rename, so running a job twice
 * (a retry, a job taken for stalled) gives the same files.
 */
import path from 'node:path';
import { EtlError } from '@etl/core';
import type { CoinbaseSegmentPipeline, SegmentStatePass } from '@etl/orchestrator';
import { manifestPath, readManifest, type SegmentManifest } from '@etl/orchestrator/internal';
import type { ObjectOutput } from './object-output.js';
import type { ConvertJobResult, DatasetCounts, SegmentJobData, StateJobResult } from './segment-jobs.js';
import type { SegmentStorage } from './segment-storage.js';
import { removeStaleTemporaries } from './stale-temporaries.js';

export interface SegmentTaskContext {
  readonly pipeline: CoinbaseSegmentPipeline;
  readonly statePass: SegmentStatePass;
  readonly storage: SegmentStorage;
  /** Move finished segments to `done/` instead of deleting them. */
  readonly keepInput: boolean;
  /** Datasets to write (default: every enabled channel). */
  readonly channels?: readonly string[];
  /** Set when the output is object storage: the pipeline's output is then a scratch copy. */
  readonly objectOutput?: ObjectOutput;
}

function countsOf(manifest: SegmentManifest): Record<string, DatasetCounts> {
  const out: Record<string, DatasetCounts> = {};
  for (const f of manifest.files) {
    const d = (out[f.dataset] ??= { rows: 0, files: 0, bytes: 0 });
    d.rows += f.rows;
    d.files += 1;
    d.bytes += f.bytes;
  }
  return out;
}

/** Converts one segment (all-or-nothing) and finishes its input. */
export async function convertSegment(
  ctx: SegmentTaskContext,
  data: SegmentJobData,
): Promise<ConvertJobResult> {
  const started = Date.now();
  const outRoot = ctx.pipeline.outRoot;
  if (!(await ctx.storage.exists(data.url))) {
    // A retry after the commit and the input's removal: the work is done.
    const manifest = ctx.objectOutput
      ? await ctx.objectOutput.publishedManifest(data.inputId)
      : await readManifest(manifestPath(outRoot, data.inputId));
    if (manifest?.published) {
      return {
        inputId: data.inputId,
        segment: data.segment,
        status: 'already-done',
        datasets: countsOf(manifest),
        quarantinedLines: manifest.quarantinedLines,
        lines: 0,
        bytesIn: 0,
        staleTemporariesRemoved: 0,
        ms: Date.now() - started,
      };
    }
    throw new EtlError(
      `${data.segment}: input ${data.url} is gone and the segment has no committed output`,
      'E_INPUT_MISSING',
    );
  }
  const file = await ctx.storage.localPath(data.url);
  // The predecessor's state may have been saved by another worker: it is in the bucket.
  await ctx.objectOutput?.syncCheckpoints(data.inputId);
  const result = await ctx.pipeline.processSegment(file, ctx.channels ? { channels: ctx.channels } : {});
  const staleTemporariesRemoved = await removeStaleTemporaries(outRoot, result.manifest);
  // The input is finished only once its rows are durably in the output, here the bucket.
  await ctx.objectOutput?.publish(result.manifest);
  // Lines of datasets not written (a channel subset) are in no output: never delete such an input.
  await ctx.storage.finish(data.url, ctx.keepInput || result.keepInput !== undefined);
  const datasets: Record<string, DatasetCounts> = {};
  for (const [name, d] of Object.entries(result.datasets))
    datasets[name] = { rows: d.rows, files: d.files, bytes: d.bytes };
  return {
    inputId: data.inputId,
    segment: path.basename(file),
    status: 'converted',
    datasets,
    quarantinedLines: result.quarantinedLines,
    lines: result.lines,
    bytesIn: result.bytesIn,
    staleTemporariesRemoved,
    ms: Date.now() - started,
  };
}

/**
 * Saves the book state after one segment, unless it is saved already (its conversion may have
 * run first). The caller makes sure the predecessor's state is settled before calling.
 */
export async function saveSegmentState(
  ctx: SegmentTaskContext,
  data: SegmentJobData,
): Promise<StateJobResult> {
  const started = Date.now();
  const present = async (): Promise<StateJobResult> => {
    // A pass of this segment interrupted earlier (a killed worker) leaves scratch nobody else removes.
    await ctx.statePass.removeScratch(data.inputId);
    return { inputId: data.inputId, status: 'present', restoredFrom: null, ms: Date.now() - started };
  };
  if (await ctx.statePass.hasCheckpoint(data.inputId)) return present();
  if (!(await ctx.storage.exists(data.url))) {
    // Converted and finished while this job waited: the conversion saved the state.
    await ctx.objectOutput?.syncCheckpoints(data.inputId);
    if (await ctx.statePass.hasCheckpoint(data.inputId)) return present();
    throw new EtlError(
      `${data.segment}: input ${data.url} is gone and no book state was saved for it`,
      'E_INPUT_MISSING',
    );
  }
  let result: Awaited<ReturnType<SegmentStatePass['run']>>;
  try {
    result = await ctx.statePass.run(await ctx.storage.localPath(data.url));
  } catch (error) {
    // The conversion may finish (and remove the input) while the pass reads it.
    await ctx.objectOutput?.syncCheckpoints(data.inputId);
    if (await ctx.statePass.hasCheckpoint(data.inputId)) return present();
    throw error;
  }
  await ctx.objectOutput?.putCheckpoint(data.inputId);
  return {
    inputId: data.inputId,
    status: 'saved',
    restoredFrom: result.restoredFrom ?? null,
    ms: Date.now() - started,
  };
}
