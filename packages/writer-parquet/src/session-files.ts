/** What a write session does with its finished files: metadata, publishing, the result. */
import type { Logger, WriteResult, WrittenFile } from '@etl/core';
import type { KeyValue } from 'hyparquet-writer';
import type { PartFile } from './part-file.js';
import { removeSurplusParts } from './part-names.js';
import { WRITER_ID } from './version.js';

/** A file of the session and the partition it belongs to. */
export interface SessionFile {
  readonly file: PartFile;
  readonly state: { readonly dir: string; readonly partition: { readonly values: WrittenFile['partition'] } };
}

/** Key-value metadata of every file: schema version, the target's entries, writer and input. */
export function keyValueMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
  input: string,
): KeyValue[] {
  const entries = new Map<string, string>();
  entries.set('etl.schema_version', '1');
  for (const [key, value] of Object.entries(metadata ?? {})) entries.set(key, String(value));
  entries.set('etl.writer', WRITER_ID);
  entries.set('etl.input', input);
  return [...entries].map(([key, value]) => ({ key, value }));
}

/**
 * Renames every file into place; with a file id (partitioned targets), then removes the surplus
 * roll-over files an earlier run of the same input left in each directory.
 */
export async function publishFiles(
  files: readonly SessionFile[],
  fileId: string | undefined,
  logger: Logger,
): Promise<void> {
  const filesPerDir = new Map<string, number>();
  for (const { file, state } of files) {
    await file.publish();
    filesPerDir.set(state.dir, (filesPerDir.get(state.dir) ?? 0) + 1);
  }
  if (fileId === undefined) return;
  for (const [dir, count] of filesPerDir) await removeSurplusParts(dir, fileId, count, logger);
}

export function writeResult(files: readonly SessionFile[], deferPublish: boolean): WriteResult {
  const written: WrittenFile[] = files.map(({ file, state }) => ({
    path: file.finalPath,
    ...(deferPublish ? { tempPath: file.tempPath } : {}),
    rows: file.rows,
    bytes: file.bytes,
    partition: state.partition.values,
  }));
  let rows = 0;
  let bytes = 0;
  for (const f of written) {
    rows += f.rows;
    bytes += f.bytes;
  }
  return { files: written, rows, bytes };
}
