/**
 * Mistakes in what a converting command was asked to do, found before any segment is claimed:
 * each is a UsageError (exit 2) in one sentence, and nothing on disk has been touched.
 */
import { readdir, stat } from 'node:fs/promises';
import type { Source } from '@etl/core';
import { isSegmentFile, resolveSource } from '@etl/orchestrator';
import { UsageError } from './usage-error.js';

async function statOf(p: string) {
  return stat(p).catch(() => undefined);
}

/**
 * `--input` (or `etl.input_dir`) must be a directory of segments. `watch` may start before the
 * directory is created (it waits for it, with a warning): then `mayBeMissing`; returns whether it exists.
 */
export async function checkInputDir(dir: string, given: string, mayBeMissing = false): Promise<boolean> {
  const s = await statOf(dir);
  if (!s && mayBeMissing) return false;
  if (!s)
    throw new UsageError(
      `${given} ${dir} does not exist: it must be a directory of segments (e.g. data/raw/ready/coinbase)`,
    );
  if (!s.isDirectory())
    throw new UsageError(
      `${given} ${dir} is not a directory: it must be a directory of segments (put the file in one, e.g. data/raw/ready/coinbase, and name that)`,
    );
  return true;
}

/** `--output` may be missing (it is created) but must not be something other than a directory. */
export async function checkOutputDir(dir: string, given: string): Promise<void> {
  const s = await statOf(dir);
  if (s && !s.isDirectory())
    throw new UsageError(
      `${given} ${dir} exists and is not a directory: name a directory for the Parquet output`,
    );
}

/** The channel names `--channels` accepts: the source's datasets and plugin outputs of the config. */
export function knownChannels(
  channelConfig: Readonly<Record<string, unknown>> | undefined,
  source?: string | Source,
): string[] {
  const known: string[] = resolveSource(source, '--source').datasets.map((d) => d.name);
  for (const channel of Object.values(channelConfig ?? {})) {
    const processors = (channel as { processors?: unknown } | null)?.processors;
    if (!Array.isArray(processors)) continue;
    for (const p of processors) {
      const output = (p as { output?: unknown } | null)?.output;
      if (typeof output === 'string' && !known.includes(output)) known.push(output);
    }
  }
  return known;
}

/** `--channels a,b` split and checked: an unknown name would silently write nothing. */
export function parseChannels(
  flag: string | undefined,
  channelConfig: Readonly<Record<string, unknown>> | undefined,
  source?: string | Source,
): string[] | undefined {
  if (flag === undefined) return undefined;
  const names = flag
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new UsageError('--channels needs at least one channel name');
  const known = knownChannels(channelConfig, source);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    throw new UsageError(
      `--channels: unknown channel${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${known.join(', ')})`,
    );
  return names;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date `YYYY-MM-DD` (`2026-02-30` is refused). */
export function parseDate(flag: string, value: string): string {
  const m = DATE_RE.exec(value);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (!m || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    throw new UsageError(`--${flag} must be a calendar date YYYY-MM-DD, got ${value}`);
  return value;
}

export type Selection =
  | { readonly mode: 'all' }
  | { readonly mode: 'date'; readonly date: string }
  | { readonly mode: 'range'; readonly start: string; readonly end: string };

/**
 * Which segments `run` takes. The date flags imply their mode (`--date` → date, `--start-date`
 * and `--end-date` → range); a `--mode` that contradicts them, or a mix of both kinds, is refused.
 */
export function parseSelection(flags: {
  mode?: string | undefined;
  date?: string | undefined;
  'start-date'?: string | undefined;
  'end-date'?: string | undefined;
}): Selection {
  const date = flags.date;
  const start = flags['start-date'];
  const end = flags['end-date'];
  const ranged = start !== undefined || end !== undefined;
  if (date !== undefined && ranged)
    throw new UsageError('give --date, or --start-date with --end-date, not both');
  const implied = date !== undefined ? 'date' : ranged ? 'range' : undefined;
  const mode = flags.mode ?? implied ?? 'all';
  if (!['all', 'date', 'range'].includes(mode))
    throw new UsageError(`--mode must be all, date or range, got ${mode}`);
  if (implied && mode !== implied)
    throw new UsageError(
      `--mode ${mode} contradicts ${implied === 'date' ? '--date' : '--start-date/--end-date'} (which imply --mode ${implied}): drop one`,
    );
  if (mode === 'date') {
    if (date === undefined) throw new UsageError('--mode date needs --date YYYY-MM-DD');
    return { mode, date: parseDate('date', date) };
  }
  if (mode === 'range') {
    if (start === undefined || end === undefined)
      throw new UsageError('a date range needs both --start-date and --end-date (YYYY-MM-DD, inclusive)');
    const s = parseDate('start-date', start);
    const e = parseDate('end-date', end);
    if (s > e) throw new UsageError('--start-date must not be after --end-date');
    return { mode, start: s, end: e };
  }
  return { mode: 'all' };
}

/** Compressions (and archives) the reader cannot open; `.gz` and `.zst` only after .ndjson/.jsonl. */
const COMPRESSED = /\.(gz|zst|zstd|bz2|xz|lz4|lzma|lz|zip|7z|rar|tar|tgz|tbz2|txz|br|sz|z)$/i;

/**
 * Files in the input directory that look like captures but cannot be read (`.ndjson.bz2`,
 * `.xz`, `.zip`, `.json.gz`, ...): they stay where they are, and the user is told their names.
 */
export async function unsupportedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && COMPRESSED.test(e.name) && !isSegmentFile(e.name))
    .map((e) => e.name)
    .sort();
}

/** Names the unsupported files in `dir` in one warning; returns their names for the summary. */
export async function warnUnsupported(
  dir: string,
  logger: { warn(message: string, fields?: Record<string, unknown>): void },
): Promise<string[]> {
  const files = await unsupportedFiles(dir);
  if (files.length)
    logger.warn(
      `left in ${dir}: ${files.length} file${files.length > 1 ? 's' : ''} with a compression the ETL cannot read (it reads .ndjson, .jsonl, .ndjson.gz, .ndjson.zst; decompress or recompress them)`,
      { files: files.join(', ') },
    );
  return files;
}
