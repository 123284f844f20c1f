/**
 * A segment whose output is already committed is not converted again: a run that crashed after
 * the commit but before removing the input (or a retried queue job) finishes publishing and moves
 * on. Only when the manifest was made from the same input file (size and mtime, which a rename to
 * `processing/` keeps) with the same settings; a re-captured segment or a changed config is
 * converted again, replacing the earlier files.
 */
import { createHash } from 'node:crypto';
import { emptyStats, errorMessage, type Logger } from '@etl/core';
import { finishCommit, type ManifestInput, type SegmentManifest } from './segment-commit.js';

/** A short, stable fingerprint of the settings that shape a segment's output. */
export function settingsFingerprint(settings: unknown): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 32);
}

/**
 * The published manifest of `inputId` when `stored` (its manifest as just read) was committed
 * from this `input` with `config` (finishing its publication first if a crash interrupted it);
 * undefined when the segment must be converted.
 */
export async function committedManifest(
  outRoot: string,
  inputId: string,
  stored: SegmentManifest | undefined,
  input: Pick<ManifestInput, 'bytes' | 'mtimeMs'> & { readonly segment: string },
  config: string,
  needsCheckpoint: boolean,
  logger: Logger,
): Promise<SegmentManifest | undefined> {
  if (!stored?.input || stored.config !== config || stored.segment !== input.segment) return undefined;
  if (stored.input.bytes !== input.bytes || stored.input.mtimeMs !== input.mtimeMs) return undefined;
  if (needsCheckpoint && !stored.side?.some((s) => s.kind === 'checkpoint')) return undefined;
  try {
    return await finishCommit(outRoot, inputId, { logger });
  } catch (error) {
    logger.warn('the committed output of the segment could not be finished; converting it again', {
      segment: inputId,
      error: errorMessage(error),
    });
    return undefined;
  }
}

/** Per-dataset counts of a manifest, as a segment result reports them. */
export function datasetCounts(
  manifest: SegmentManifest,
): Record<string, { rows: number; files: number; bytes: number }> {
  const out: Record<string, { rows: number; files: number; bytes: number }> = {};
  for (const f of manifest.files) {
    const d = (out[f.dataset] ??= { rows: 0, files: 0, bytes: 0 });
    d.rows += f.rows;
    d.files += 1;
    d.bytes += f.bytes;
  }
  return out;
}

export const NO_STATS = {
  reader: emptyStats('ndjson-reader'),
  chain: emptyStats('chain'),
  writer: emptyStats('parquet-writer'),
};
