/**
 * `watch` takes a file from ready/ only once nobody is writing it any more. A file copied into
 * ready/ (instead of written elsewhere and renamed in) is visible while it grows; converting it
 * then would convert part of it and delete the whole.
 *
 * The rule: a file is settled when it has not changed for `settleMs`, judged both by what this
 * process saw (same size and mtime across polls for that long) and by its mtime (already that old
 * when first seen: moved in atomically after being written). A plain file whose last line has no
 * line terminator (or an empty one) may be a copy that paused mid-line: it is taken only once it
 * has not changed for the much longer `cutLineGraceMs`; its cut line is then quarantined whole.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, silentLogger } from '@etl/core';

/** Default settle interval of `watch`. */
export const DEFAULT_SETTLE_MS = 3000;

/** Default wait for a file whose last line is cut: 10 settle intervals, at least a minute. */
function defaultCutLineGraceMs(settleMs: number): number {
  return Math.max(60_000, 10 * settleMs);
}

interface Observation {
  readonly size: number;
  readonly mtimeMs: number;
  /** When this size and mtime were first seen. */
  readonly since: number;
  logged: boolean;
}

export class SettleGate {
  private readonly seen = new Map<string, Observation>();
  readonly cutLineGraceMs: number;

  constructor(
    readonly settleMs: number,
    options: { cutLineGraceMs?: number; logger?: Logger } = {},
  ) {
    this.cutLineGraceMs = options.cutLineGraceMs ?? defaultCutLineGraceMs(settleMs);
    this.logger = options.logger ?? silentLogger;
  }

  private readonly logger: Logger;

  /** The files of `names` (in `dir`) that have settled, in the given order. */
  async settled(dir: string, names: readonly string[], now = Date.now()): Promise<string[]> {
    const present = new Set(names);
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    const out: string[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      let size: number;
      let mtimeMs: number;
      try {
        ({ size, mtimeMs } = await stat(file));
      } catch {
        this.seen.delete(name); // claimed by another process meanwhile
        continue;
      }
      const previous = this.seen.get(name);
      const same = previous !== undefined && previous.size === size && previous.mtimeMs === mtimeMs;
      const observation: Observation = same ? previous : { size, mtimeMs, since: now, logged: false };
      this.seen.set(name, observation);
      const quietMs = Math.max(now - observation.since, now - mtimeMs);
      if (quietMs < this.settleMs) continue;
      if (quietMs < this.cutLineGraceMs && (await mayStillGrow(file, size))) {
        if (!observation.logged) {
          observation.logged = true;
          this.logger.warn(
            'waiting for a segment whose last line is cut (or that is empty): it may still be being written',
            { segment: name, bytes: size, wait_s: this.cutLineGraceMs / 1000 },
          );
        }
        continue;
      }
      out.push(name);
    }
    return out;
  }
}

/**
 * True for a plain file that is empty or does not end with a line feed. A compressed file cannot be
 * judged by its last byte: only the settle interval protects it (a cut stream fails the segment,
 * which keeps the file in failed/).
 */
async function mayStillGrow(file: string, size: number): Promise<boolean> {
  if (/\.(gz|zst)$/.test(file)) return false;
  if (size === 0) return true;
  const handle = await open(file, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
