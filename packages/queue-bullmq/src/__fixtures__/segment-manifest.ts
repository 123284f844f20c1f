/** Test-only: a committed segment manifest listing `files`. */
import type { SegmentManifest } from '@etl/orchestrator/internal';

export function manifest(
  inputId: string,
  files: { dataset: string; path: string; rows: number }[],
  published = true,
): SegmentManifest {
  return {
    version: 1,
    segment: `${inputId}.ndjson`,
    inputId,
    committedAt: '2026-08-09T22:00:00.000Z',
    published,
    quarantinedLines: 1,
    files: files.map((f) => ({ ...f, bytes: f.rows * 10 })),
  };
}
