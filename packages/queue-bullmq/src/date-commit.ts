/**
 * The commit step of a date: once every segment of a batch of one date is done, the date's
 * manifest lists every committed segment of that date and the files it published, and a
 * `_SUCCESS` marker says the date is complete (no segment of the batch failed). Consumers poll
 * `<out>/coinbase/_dates/<date>/_SUCCESS` before reading a day, as they would a Spark job's.
 */
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { segmentDate } from '@etl/orchestrator';
import { MANIFEST_DIR, readManifest, type SegmentManifest } from '@etl/orchestrator/internal';
import { writeTextAtomic } from './atomic-text.js';
import type { DatasetCounts } from './segment-jobs.js';

const DATES_DIR = '_dates';
const SUCCESS_MARKER = '_SUCCESS';

export interface DateManifest {
  readonly version: 1;
  readonly date: string;
  readonly committedAt: string;
  /** True when no segment of the closing batch failed. */
  readonly complete: boolean;
  /** Every committed segment opened on this date, by id. */
  readonly segments: readonly {
    readonly inputId: string;
    readonly segment: string;
    readonly files: readonly string[];
  }[];
  readonly datasets: Readonly<Record<string, DatasetCounts>>;
  readonly quarantinedLines: number;
  readonly failed: readonly { readonly segment: string; readonly reason: string }[];
}

export interface DateCommit {
  readonly manifest: DateManifest;
  readonly manifestPath: string;
  readonly successPath: string | undefined;
}

/** Directory of a date's manifest and marker. */
export function dateDir(outRoot: string, date: string): string {
  return path.join(outRoot, DATES_DIR, date);
}

async function committedManifests(outRoot: string, date: string): Promise<SegmentManifest[]> {
  let names: string[];
  try {
    names = await readdir(path.join(outRoot, MANIFEST_DIR));
  } catch {
    return [];
  }
  const out: SegmentManifest[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    if ((segmentDate(name) ?? 'undated') !== date) continue;
    const manifest = await readManifest(path.join(outRoot, MANIFEST_DIR, name));
    if (manifest?.published) out.push(manifest);
  }
  return out;
}

/**
 * Writes `<outRoot>/_dates/<date>/manifest.json`, then `_SUCCESS` when `failed` is empty (and
 * removes a marker an earlier, complete batch left when this one is not).
 */
export async function commitDate(
  outRoot: string,
  date: string,
  failed: readonly { segment: string; reason: string }[],
): Promise<DateCommit> {
  const manifests = await committedManifests(outRoot, date);
  const datasets: Record<string, DatasetCounts> = {};
  let quarantinedLines = 0;
  for (const m of manifests) {
    quarantinedLines += m.quarantinedLines;
    for (const f of m.files) {
      const d = (datasets[f.dataset] ??= { rows: 0, files: 0, bytes: 0 });
      d.rows += f.rows;
      d.files += 1;
      d.bytes += f.bytes;
    }
  }
  const manifest: DateManifest = {
    version: 1,
    date,
    committedAt: new Date().toISOString(),
    complete: failed.length === 0,
    segments: manifests.map((m) => ({
      inputId: m.inputId,
      segment: m.segment,
      files: m.files.map((f) => f.path),
    })),
    datasets,
    quarantinedLines,
    failed,
  };
  const dir = dateDir(outRoot, date);
  const manifestFile = path.join(dir, 'manifest.json');
  const success = path.join(dir, SUCCESS_MARKER);
  if (!manifest.complete) await unlink(success).catch(() => {});
  await writeTextAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  if (manifest.complete) await writeTextAtomic(success, '');
  return { manifest, manifestPath: manifestFile, successPath: manifest.complete ? success : undefined };
}
