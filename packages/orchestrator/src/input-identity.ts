/**
 * What a segment's output was made from. A committed manifest records its input's name, size,
 * mtime and SHA-256 (hashed while the segment is read, from the bytes as they come off disk: no
 * second read; SHA-256 costs ~75 ms per 100 MiB here, against seconds for converting it). It
 * serves three rules:
 *
 * - Two files with one segment id (`X.ndjson`, `X.ndjson.gz`, `X.jsonl`) are never merged or
 *   overwritten silently: the later one fails (it is kept, with a report saying why).
 * - A file under a committed name with other content is a new input, not a re-run: it fails the
 *   same way instead of replacing the committed output. The identical file again is a re-run:
 *   skipped when size and mtime match, otherwise converted and replaces the output identically.
 * - A file that changed while it was read (appended, truncated, replaced) is never committed nor
 *   deleted: it fails and is kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EtlError } from '@etl/core';
import type { SegmentManifest } from './segment-commit.js';

/** Identity of an input file as it was when reading started. */
export interface InputStat {
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

export async function inputStat(file: string): Promise<InputStat> {
  const s = await stat(file);
  return { bytes: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev };
}

/** An input file whose output must not be committed or that must not be deleted. */
class InputConflictError extends EtlError {}

/** Hashes a file's bytes as the reader takes them from disk. */
export class InputHasher {
  private readonly hash: Hash = createHash('sha256');
  private adopted: string | undefined;
  bytes = 0;

  readonly update = (chunk: Uint8Array): void => {
    this.bytes += chunk.byteLength;
    this.hash.update(chunk);
  };

  /** The digest of the whole input, computed elsewhere (a hashing thread), and its bytes. */
  readonly adopt = (sha256: string, bytes: number): void => {
    this.adopted = sha256;
    this.bytes = bytes;
  };

  digest(): string {
    return this.adopted ?? this.hash.digest('hex');
  }
}

function changedError(file: string, what: string): InputConflictError {
  return new InputConflictError(
    `${path.basename(file)} changed while it was converted (${what}); nothing of it was committed and it was not deleted. ` +
      'Put only finished segments into ready/ (write elsewhere, then rename into ready/); once it is complete, move it back to ready/',
    'E_INPUT_CHANGED',
  );
}

/**
 * Throws unless `file` is still the file that was read: same inode, size and mtime as when
 * reading started, and exactly that many bytes read (and hashed).
 */
export async function assertInputUnchanged(
  file: string,
  before: InputStat,
  bytesRead: number,
): Promise<void> {
  let now: InputStat;
  try {
    now = await inputStat(file);
  } catch (error) {
    throw changedError(file, `it can no longer be read: ${(error as Error).message}`);
  }
  if (now.ino !== before.ino || now.dev !== before.dev)
    throw changedError(file, 'it was replaced by another file');
  if (now.bytes !== before.bytes)
    throw changedError(file, `its size went from ${before.bytes} to ${now.bytes} bytes`);
  if (bytesRead !== before.bytes) throw changedError(file, `${bytesRead} bytes were read of ${before.bytes}`);
  if (now.mtimeMs !== before.mtimeMs) throw changedError(file, 'it was modified');
}

/**
 * Throws when `segment` (a file name) may not replace the output committed under its id: the
 * manifest was made from another file name, or from the same name with other content (`sha256`
 * undefined: only what is known before reading, the size, is compared).
 */
export function assertSameInput(
  previous: SegmentManifest | undefined,
  segment: string,
  input: { readonly bytes: number; readonly sha256?: string | undefined },
): void {
  if (!previous) return;
  if (previous.segment !== segment) {
    throw new InputConflictError(
      `${segment} has the same segment id as ${previous.segment}, whose output is committed already; ` +
        `the two would overwrite each other's output, so ${segment} was not converted. ` +
        'If it holds other data, give it a name with another id (e.g. add a suffix before the extension) and put it back in ready/',
      'E_SEGMENT_ID_TAKEN',
    );
  }
  const earlier = previous.input;
  if (!earlier) return;
  const differs =
    earlier.bytes !== input.bytes ||
    (earlier.sha256 !== undefined && input.sha256 !== undefined && earlier.sha256 !== input.sha256);
  if (!differs) return;
  throw new InputConflictError(
    `${segment} differs from the file of the same name whose output is committed already ` +
      `(${earlier.bytes} bytes${earlier.sha256 ? `, sha256 ${earlier.sha256.slice(0, 12)}…` : ''} then, ${input.bytes} bytes${input.sha256 ? `, sha256 ${input.sha256.slice(0, 12)}…` : ''} now); ` +
      'it is a new input, not a re-run, so it was not converted and the earlier output stays. ' +
      'If it holds other data, give it a new name (e.g. add a suffix before the extension) and put it back in ready/',
    'E_INPUT_DIFFERS',
  );
}

/**
 * Throws unless `file` still has the size and mtime its committed output was made from: checked
 * right before the input is deleted or moved to done/.
 */
export async function assertCommittedInput(file: string, manifest: SegmentManifest): Promise<void> {
  const recorded = manifest.input;
  if (!recorded) return;
  const now = await inputStat(file);
  if (now.bytes === recorded.bytes && now.mtimeMs === recorded.mtimeMs) return;
  throw new InputConflictError(
    `${path.basename(file)} changed after its output was committed (${recorded.bytes} bytes then, ${now.bytes} now); ` +
      'the committed output is from the earlier content, and the file was kept instead of deleted',
    'E_INPUT_CHANGED',
  );
}
