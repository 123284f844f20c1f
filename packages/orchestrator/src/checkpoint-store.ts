/**
 * Processor state carried from one segment to the next (order books, sequence numbers, recent
 * trade ids). One file per segment holds the state *after* that segment; a segment restores the
 * state of the latest segment before it, so re-running a segment after a crash restores the same
 * state as the first run did.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeTemporary } from './atomic-file.js';

export interface StoredCheckpoint {
  readonly segment: string;
  readonly state: unknown;
}

const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? { $bigint: value.toString() } : value;

const reviver = (_key: string, value: unknown): unknown => {
  if (value && typeof value === 'object' && '$bigint' in value && Object.keys(value).length === 1) {
    return BigInt((value as { $bigint: string }).$bigint);
  }
  return value;
};

export class CheckpointStore {
  constructor(readonly dir: string) {}

  /** Where the state after segment `inputId` is kept. */
  fileFor(inputId: string): string {
    return path.join(this.dir, `${inputId}.json`);
  }

  async save(inputId: string, state: unknown): Promise<void> {
    const body: StoredCheckpoint = { segment: inputId, state };
    await writeFileAtomic(this.fileFor(inputId), JSON.stringify(body, replacer));
  }

  /**
   * Writes the state after `inputId` under a hidden temporary name for a segment commit to
   * publish together with the segment's output; returns the final and the temporary path.
   */
  async saveTemporary(inputId: string, state: unknown): Promise<{ path: string; tempPath: string }> {
    const body: StoredCheckpoint = { segment: inputId, state };
    const file = this.fileFor(inputId);
    return { path: file, tempPath: await writeTemporary(file, JSON.stringify(body, replacer)) };
  }

  /** State after the latest segment that sorts before `inputId`, if any. */
  async loadBefore(inputId: string): Promise<StoredCheckpoint | undefined> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return undefined;
    }
    const previous = names
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .map((n) => n.slice(0, -5))
      .filter((id) => id < inputId)
      .sort()
      .at(-1);
    if (previous === undefined) return undefined;
    return JSON.parse(await readFile(this.fileFor(previous), 'utf8'), reviver) as StoredCheckpoint;
  }
}
