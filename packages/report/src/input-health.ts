/**
 * Input health from the job's own records: the segment manifests (`_manifests/`), the quarantine
 * files they list (`_quarantine/`, streamed line by line) and the failure reports (`failed/` beside
 * `ready/`, or `_state/failed/` under the output for in-place runs).
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Selection } from './report-session.js';
import type { FailedSegment, InputHealth, QuarantineReason, SegmentHealth } from './report-types.js';

/** The fields of a segment manifest the report reads (written by `@etl/orchestrator`). */
interface ManifestView {
  segment?: string;
  committedAt?: string;
  published?: boolean;
  quarantinedLines?: number;
  quarantinedRows?: number;
  input?: { lines?: number };
  files?: { dataset?: string; path?: string; rows?: number }[];
  side?: { kind?: string; path?: string }[];
}

const DATE_IN_PATH = /(?:^|\/)date=(\d{4}-\d{2}-\d{2})(?:\/|$)/;
const DATE_IN_NAME = /(\d{4})(\d{2})(\d{2})T\d{2}/;

const inRange = (date: string, s: Selection): boolean =>
  s.start === null || (date >= s.start && date <= (s.end ?? s.start));

/** `failed/` beside `ready/` (the last `ready` in the path), as the job places it. */
export function failedDirBeside(readyDir: string): string {
  const parts = path.resolve(readyDir).split(path.sep);
  const i = parts.lastIndexOf('ready');
  if (i >= 0) {
    parts[i] = 'failed';
    return parts.join(path.sep) || path.sep;
  }
  return path.join(path.dirname(path.resolve(readyDir)), 'failed', path.basename(readyDir));
}

/** A reason with its particulars (quoted values, numbers) blanked, so alike lines group. */
export function reasonClass(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/\d+(?:\.\d+)?/g, '…');
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function countQuarantine(file: string, reasons: Map<string, QuarantineReason>): Promise<void> {
  let lines: AsyncIterable<string>;
  try {
    const stream = createReadStream(file, { encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  } catch {
    return; // a quarantine file listed but gone: the counts in the manifest still stand
  }
  for await (const line of lines) {
    if (!line.trim()) continue;
    let entry: { file?: unknown; line?: unknown; reason?: unknown; stage?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const reason = String(entry.reason ?? 'unknown');
    const stage = String(entry.stage ?? 'unknown');
    const cls = reasonClass(reason);
    const key = `${stage}\u0000${cls}`;
    const known = reasons.get(key);
    if (known) reasons.set(key, { ...known, count: known.count + 1 });
    else
      reasons.set(key, {
        stage,
        reason: cls,
        count: 1,
        example: {
          file: String(entry.file ?? ''),
          line: typeof entry.line === 'number' ? entry.line : null,
          reason,
        },
      });
  }
}

async function failedSegments(dirs: readonly string[], selection: Selection): Promise<FailedSegment[]> {
  const failed: FailedSegment[] = [];
  for (const dir of dirs) {
    for (const name of await listDir(dir)) {
      if (!name.endsWith('.error.json')) continue;
      const report = path.join(dir, name);
      const r = (await readJson(report)) as Record<string, unknown> | undefined;
      const segment = typeof r?.segment === 'string' ? r.segment : name.slice(0, -'.error.json'.length);
      const m = DATE_IN_NAME.exec(segment);
      if (m && !inRange(`${m[1]}-${m[2]}-${m[3]}`, selection)) continue;
      failed.push({
        segment,
        failed_at: typeof r?.failed_at === 'string' ? r.failed_at : null,
        error: typeof r?.error === 'string' ? r.error : 'unreadable error report',
        code: typeof r?.code === 'string' ? r.code : null,
        report,
      });
    }
  }
  return failed;
}

export async function inputHealth(
  root: string,
  selection: Selection,
  inputDir?: string,
): Promise<InputHealth> {
  const segments: SegmentHealth[] = [];
  const reasons = new Map<string, QuarantineReason>();
  const manifestDir = path.join(root, '_manifests');
  for (const name of await listDir(manifestDir)) {
    if (!name.endsWith('.json')) continue;
    const m = (await readJson(path.join(manifestDir, name))) as ManifestView | undefined;
    if (m === undefined) continue;
    const rows: Record<string, number> = {};
    const dates = new Set<string>();
    for (const f of m.files ?? []) {
      if (f.dataset) rows[f.dataset] = (rows[f.dataset] ?? 0) + (f.rows ?? 0);
      const date = DATE_IN_PATH.exec(f.path ?? '')?.[1];
      if (date) dates.add(date);
    }
    const segment = m.segment ?? name.slice(0, -'.json'.length);
    if (dates.size === 0) {
      const d = DATE_IN_NAME.exec(segment);
      if (d) dates.add(`${d[1]}-${d[2]}-${d[3]}`);
    }
    if (selection.start !== null && ![...dates].some((d) => inRange(d, selection))) continue;
    segments.push({
      segment,
      committed_at: m.committedAt ?? null,
      published: m.published !== false,
      lines: m.input?.lines ?? null,
      quarantined_lines: m.quarantinedLines ?? 0,
      quarantined_rows: m.quarantinedRows ?? 0,
      rows,
      dates: [...dates].sort(),
    });
    for (const side of m.side ?? [])
      if (side.kind === 'quarantine' && side.path) await countQuarantine(path.join(root, side.path), reasons);
  }
  const failedDirs = [path.join(root, '_state', 'failed')];
  if (inputDir !== undefined) failedDirs.unshift(failedDirBeside(inputDir));
  const failed = await failedSegments(failedDirs, selection);
  return {
    segments,
    totals: {
      segments: segments.length,
      lines: segments.reduce((s, x) => s + (x.lines ?? 0), 0),
      quarantined_lines: segments.reduce((s, x) => s + x.quarantined_lines, 0),
      quarantined_rows: segments.reduce((s, x) => s + x.quarantined_rows, 0),
      failed_segments: failed.length,
    },
    quarantine_reasons: [...reasons.values()].sort((a, b) => b.count - a.count),
    failed,
    failed_dirs: failedDirs,
  };
}
