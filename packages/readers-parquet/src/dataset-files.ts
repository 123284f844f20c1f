/**
 * Finding the Parquet files of an input (a file, a dataset directory or a glob) and the Hive
 * partition values in their paths.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EtlError, parsePartitionPath } from '@etl/core';
import { GlobPattern, isGlob } from './glob.js';

/** One file to read and the partition values its path carries. */
export interface DatasetFile {
  readonly path: string;
  /** Partition column → raw (unescaped) value, outermost first; `null` for Hive's default partition. */
  readonly partition: Readonly<Record<string, string | null>>;
}

/**
 * Writers' temp files (`.part-0.parquet.tmp`), Spark's `_SUCCESS`/`_temporary` and metadata files
 * are never data: skip every name starting with `.` or `_`.
 */
function isHidden(name: string): boolean {
  const c = name.charCodeAt(0);
  return c === 46 /* . */ || c === 95 /* _ */;
}

function notFound(input: string, cause?: unknown): EtlError {
  return new EtlError(`parquet input not found: ${input}`, 'E_NOT_FOUND', cause ? { cause } : undefined);
}

async function kindOf(path: string, entry: Dirent): Promise<'file' | 'dir' | 'other'> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (entry.isSymbolicLink()) {
    const s = await stat(path).catch(() => undefined);
    if (s?.isFile()) return 'file';
    if (s?.isDirectory()) return 'dir';
  }
  return 'other';
}

type DirFilter = (relative: readonly string[]) => boolean;
type FileFilter = (name: string, relative: readonly string[]) => boolean;

async function walk(
  dir: string,
  relative: readonly string[],
  enterDir: DirFilter,
  takeFile: FileFilter,
  out: string[],
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const subdirs: Promise<void>[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const path = join(dir, entry.name);
    const kind = await kindOf(path, entry);
    const rel = [...relative, entry.name];
    if (kind === 'dir') {
      if (enterDir(rel)) subdirs.push(walk(path, rel, enterDir, takeFile, out));
    } else if (kind === 'file' && takeFile(entry.name, rel)) {
      out.push(path);
    }
  }
  await Promise.all(subdirs);
}

const enterAny: DirFilter = () => true;
const parquetOnly: FileFilter = (name) => name.endsWith('.parquet');

async function listGlob(pattern: string): Promise<string[]> {
  const glob = new GlobPattern(pattern);
  const base = await stat(glob.base).catch((error: unknown) => {
    throw notFound(`${glob.base} (base directory of ${pattern})`, error);
  });
  if (!base.isDirectory()) throw notFound(`${glob.base} is not a directory (base of ${pattern})`);
  const out: string[] = [];
  await walk(
    glob.base,
    [],
    (rel) => glob.mayContainMatches(rel),
    (_name, rel) => glob.matches(rel),
    out,
  );
  return out;
}

/** Code-unit order: deterministic and locale-independent, the same order DuckDB's glob gives. */
function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists the files of `input`, sorted by path. A directory is walked recursively for `*.parquet`
 * files; a glob (`*`, `?`, `**`) selects files itself. Partition values come from every
 * `key=value` directory of the path as given (like DuckDB), unless `hive` is false.
 */
export async function listDatasetFiles(input: string, hive: boolean): Promise<DatasetFile[]> {
  let paths: string[];
  if (isGlob(input)) {
    paths = await listGlob(input);
  } else {
    const s = await stat(input).catch((error: unknown) => {
      throw notFound(input, error);
    });
    if (s.isDirectory()) {
      paths = [];
      await walk(input, [], enterAny, parquetOnly, paths);
    } else {
      paths = [input];
    }
  }
  paths.sort(byPath);
  return paths.map((path) => ({ path, partition: hive ? parsePartitionPath(dirname(path)) : {} }));
}
