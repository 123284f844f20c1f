/**
 * Where a job keeps what it moves and writes, and the checks on it made before any segment is
 * claimed: segments move between ready/, processing/, done/ and failed/ by rename, which only
 * works within one filesystem (EXDEV otherwise). In place (archives), nothing is written beside
 * the input: claims and failure reports live under the output.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@etl/core';
import { fitName, TEMP_SUFFIX_BYTES } from './name-budget.js';

/** `<outRoot>/_state/claims`: the owner files of an in-place job. */
export function inPlaceClaimsDir(outRoot: string): string {
  return path.join(outRoot, '_state', 'claims');
}

/** `<outRoot>/_state/failed`: the error reports of an in-place job (the input stays where it is). */
export function inPlaceFailedDir(outRoot: string): string {
  return path.join(outRoot, '_state', 'failed');
}

const REPORT_SUFFIX = '.error.json';

/** `<dir>/<segment>.error.json`, the segment's name shortened with a hash when it would not fit NAME_MAX. */
export function failureReportPath(dir: string, segment: string): string {
  return path.join(dir, `${fitName(segment, REPORT_SUFFIX.length + TEMP_SUFFIX_BYTES)}${REPORT_SUFFIX}`);
}

/** Device of `dir`, or of its nearest existing ancestor (where it would be created). */
async function deviceOf(dir: string): Promise<number> {
  let p = path.resolve(dir);
  for (;;) {
    try {
      return (await stat(p)).dev;
    } catch (error) {
      const parent = path.dirname(p);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw error;
      p = parent;
    }
  }
}

/**
 * Throws a {@link ConfigError} (exit 2 in the CLI) naming the two directories when a segment would
 * have to move between filesystems; a missing input directory is not this check's concern.
 */
export async function checkOneFilesystem(
  inputDir: string,
  stages: readonly { readonly key: string; readonly dir: string }[],
): Promise<void> {
  let inputDevice: number;
  try {
    inputDevice = (await stat(inputDir)).dev;
  } catch {
    return;
  }
  for (const { key, dir } of stages) {
    if ((await deviceOf(dir)) === inputDevice) continue;
    throw new ConfigError(
      key,
      `${dir} is on another filesystem than the input ${inputDir}; segments move between them by rename, ` +
        'which cannot cross filesystems: put both on one filesystem (or set the directory in the config), ' +
        'or convert without moving anything with --in-place',
    );
  }
}
