import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { EtlError, errorMessage } from '@etl/core';

/**
 * Makes partition directories and remembers which ones did not exist before, so an aborted session
 * can remove exactly those (when empty) and leave pre-existing directories alone.
 */
export class CreatedDirectories {
  private readonly made = new Set<string>();
  private readonly created: string[] = [];

  async ensure(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    let first: string | undefined;
    try {
      first = await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new EtlError(
        `${dir}: creating the partition directory failed: ${errorMessage(error)}`,
        'E_WRITE',
        {
          cause: error,
        },
      );
    }
    this.made.add(dir);
    // mkdir reports the first level it created; every level from there down to `dir` is new.
    for (let d = dir; first !== undefined; d = path.dirname(d)) {
      this.created.push(d);
      if (d === first || d === path.dirname(d)) break;
    }
  }

  /** Removes the created directories that are empty, deepest first; never throws. */
  async removeEmpty(): Promise<void> {
    for (const dir of [...this.created].sort((a, b) => b.length - a.length)) {
      await rmdir(dir).catch(() => {});
    }
  }
}
