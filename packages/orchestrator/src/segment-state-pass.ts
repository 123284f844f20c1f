/**
 * The "book state only" pass over a segment: the segment runs through exactly the processor chain
 * of {@link CoinbaseSegmentPipeline} (same channel config, restoring the same earlier checkpoint),
 * no dataset is written, and the chain's state after the segment is saved as that segment's
 * checkpoint. A strictly ordered chain of these passes lets the expensive conversions of later
 * segments start before earlier segments are converted (several workers or machines), while the
 * book columns stay identical to one sequential run.
 *
 * Why it wraps the pipeline instead of building its own chain: the checkpoint must be byte for
 * byte what a conversion of the same segment saves, so the chain is the pipeline's own, run with
 * every dataset switched off and its output root in a scratch directory (the scratch manifest and
 * quarantine file are thrown away; only the checkpoint is kept).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@etl/core';
import { CheckpointStore } from './checkpoint-store.js';
import { storageId } from './name-budget.js';
import { segmentId } from './segment-id.js';
import { CoinbaseSegmentPipeline, type CoinbaseSegmentPipelineOptions, SOURCE } from './segment-pipeline.js';

export interface StatePassResult {
  readonly segment: string;
  readonly inputId: string;
  /** The earlier segment whose checkpoint the pass started from; undefined when none existed. */
  readonly restoredFrom: string | undefined;
  /** Where the state after the segment was saved. */
  readonly checkpoint: string;
  readonly lines: number;
  readonly bytesIn: number;
  readonly quarantinedLines: number;
}

const SCRATCH_DIR = '.state-pass';

export class SegmentStatePass {
  readonly outRoot: string;
  /** The checkpoint directory conversions of the same output read. */
  readonly checkpointDir: string;
  private readonly store: CheckpointStore;

  constructor(private readonly options: CoinbaseSegmentPipelineOptions) {
    if (options.checkpoints === false) {
      throw new ConfigError(
        'checkpoints',
        'a state pass exists to save checkpoints; it cannot run with checkpoints off',
      );
    }
    this.outRoot = path.join(options.outputDir, SOURCE);
    this.checkpointDir = path.join(this.outRoot, '_state', 'checkpoints');
    this.store = new CheckpointStore(this.checkpointDir);
  }

  /** Path of the checkpoint that holds the state after segment `inputId`. */
  checkpointPath(inputId: string): string {
    return path.join(this.checkpointDir, `${inputId}.json`);
  }

  /** True once the state after `inputId` is saved (by a state pass or by its conversion). */
  async hasCheckpoint(inputId: string): Promise<boolean> {
    try {
      return (await stat(this.checkpointPath(inputId))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Removes what an interrupted pass of `inputId` left in the scratch directory (call it when the
   * segment's state turns out to be saved already and no pass will run to clean up).
   */
  async removeScratch(inputId: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.scratchParent);
    } catch {
      return;
    }
    const prefix = `${inputId}.`;
    for (const name of names) {
      if (name.startsWith(prefix))
        await rm(path.join(this.scratchParent, name), { recursive: true, force: true });
    }
  }

  private get scratchParent(): string {
    return path.join(this.outRoot, '_state', SCRATCH_DIR);
  }

  /**
   * Runs the pass for one segment and saves its checkpoint (atomically: a rename into the
   * checkpoint directory). Run at most one pass per segment at a time: a pass removes the
   * scratch directories an interrupted earlier pass of the same segment left behind.
   */
  async run(file: string): Promise<StatePassResult> {
    const inputId = storageId(segmentId(file));
    await this.removeScratch(inputId);
    const scratch = path.join(
      this.scratchParent,
      `${inputId}.${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    const scratchCheckpoints = path.join(scratch, SOURCE, '_state', 'checkpoints');
    try {
      const previous = await this.store.loadBefore(inputId);
      if (previous) {
        await mkdir(scratchCheckpoints, { recursive: true });
        // The file itself, not a re-serialisation: the restored state is exactly what was saved.
        await copyFile(
          this.checkpointPath(previous.segment),
          path.join(scratchCheckpoints, `${previous.segment}.json`),
        );
      }
      const pipeline = new CoinbaseSegmentPipeline({ ...this.options, outputDir: scratch });
      const result = await pipeline.processSegment(file, { channels: [] });
      const target = this.checkpointPath(inputId);
      await mkdir(this.checkpointDir, { recursive: true });
      await rename(path.join(scratchCheckpoints, `${inputId}.json`), target);
      return {
        segment: path.basename(file),
        inputId,
        restoredFrom: previous?.segment,
        checkpoint: target,
        lines: result.lines,
        bytesIn: result.bytesIn,
        quarantinedLines: result.quarantinedLines,
      };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
