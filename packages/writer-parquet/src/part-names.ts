import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@etl/core';

const MAX_INPUT_ID_CHARS = 120;
const FILE_NAME_DIGITS = 4;

/** File-name-safe form of an input id: `[A-Za-z0-9._-]` only, length-capped. */
export function sanitizeInputId(inputId: string): string {
  let out = '';
  for (let i = 0; i < inputId.length && out.length < MAX_INPUT_ID_CHARS; i++) {
    const c = inputId.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    out += digit || letter || c === 46 || c === 95 || c === 45 ? inputId[i] : '_';
  }
  return out;
}

/** `part-<fileId>-<nnnn>.parquet`: deterministic, so writing an input again replaces its files. */
export function partFileName(fileId: string, index: number): string {
  return `part-${fileId}-${String(index).padStart(FILE_NAME_DIGITS, '0')}.parquet`;
}

/** The roll-over index of a part file of `fileId`, or undefined for any other name. */
function partIndexOf(name: string, fileId: string): number | undefined {
  const prefix = `part-${fileId}-`;
  if (!name.startsWith(prefix) || !name.endsWith('.parquet')) return undefined;
  const digits = name.slice(prefix.length, -'.parquet'.length);
  if (digits.length < FILE_NAME_DIGITS) return undefined;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(digits);
}

/**
 * Removes the part files of `fileId` in `dir` numbered `keep` and above: when an earlier run of
 * the same input rolled over into more files than this one, those would otherwise remain.
 */
export async function removeSurplusParts(
  dir: string,
  fileId: string,
  keep: number,
  logger: Logger,
): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const index = partIndexOf(name, fileId);
    if (index === undefined || index < keep) continue;
    await unlink(path.join(dir, name)).catch(() => {});
    logger.debug('removed a surplus part file of an earlier run of the same input', { dir, name });
  }
}
