import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { isObjectStorageUrl } from '@etl/core';
import { openDuckDB } from '../duckdb.js';
import { formatBytes, formatCount, renderTable, toJson } from '../format.js';
import { findParquetFiles, type InspectedDataset, inspectParquet } from '../parquet-inspection.js';
import { UsageError } from '../usage-error.js';
import { inspectObjectStorage } from './inspect-object-storage.js';

/** Files listed in text output per dataset; `--json` lists them all. */
const MAX_FILES_SHOWN = 20;
/** Partition values listed in text output per column. */
const MAX_VALUES_SHOWN = 10;

const plural = (n: number, word: string): string => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

function sizeLine(d: {
  files: number;
  rows: number;
  row_groups: number;
  bytes: number;
  uncompressed_bytes?: number;
}): string {
  const uncompressed = d.uncompressed_bytes ? ` (${formatBytes(d.uncompressed_bytes)} uncompressed)` : '';
  return `${plural(d.files, 'file')}, ${plural(d.rows, 'row')}, ${plural(d.row_groups, 'row group')}, ${formatBytes(d.bytes)}${uncompressed}`;
}

function valuesText(values: readonly (string | null)[]): string {
  const shown = values.map((v) => v ?? 'NULL');
  if (shown.length <= MAX_VALUES_SHOWN) return shown.join(', ');
  const half = MAX_VALUES_SHOWN / 2;
  return `${shown.slice(0, half).join(', ')}, … ${shown.slice(-half).join(', ')}`;
}

function datasetText(d: InspectedDataset): string {
  const out = [`${d.name}  ${d.path}`, `  ${sizeLine(d)}, ${d.compression.join('/') || 'no codec'}`, ''];
  out.push(
    renderTable(
      ['column', 'type', 'parquet', 'nullable'],
      d.schema.map((c) => [
        c.name,
        c.type,
        c.partition ? '(partition)' : [c.physical, c.logical].filter(Boolean).join(' '),
        c.nullable ? 'yes' : 'no',
      ]),
    ),
    '',
  );
  const partitions = Object.entries(d.partitions);
  if (partitions.length) {
    out.push('Partitions');
    for (const [k, v] of partitions) out.push(`  ${k} (${plural(v.length, 'value')}): ${valuesText(v)}`);
    out.push('');
  }
  const files = d.file_list.slice(0, MAX_FILES_SHOWN);
  out.push(
    renderTable(
      ['file', 'rows', 'row groups', 'size', 'codec'],
      files.map((f) => [
        f.relative,
        formatCount(f.rows),
        formatCount(f.row_groups),
        formatBytes(f.bytes),
        f.compression,
      ]),
      { align: ['left', 'right', 'right', 'right', 'left'] },
    ),
  );
  if (d.file_list.length > files.length)
    out.push(`… ${plural(d.file_list.length - files.length, 'more file')} (--json lists every file)`);
  out.push('');
  const kv = Object.entries(d.metadata);
  out.push(kv.length ? `Key-value metadata${d.files > 1 ? ' (first file)' : ''}` : 'No key-value metadata.');
  for (const [k, v] of kv) out.push(`  ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`);
  return out.join('\n');
}

/** True when the file starts with Parquet's magic bytes `PAR1`. */
async function isParquetFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.toString('latin1') === 'PAR1';
  } finally {
    await handle.close();
  }
}

/** `etl inspect <file|dir> [--json]`: schema, row groups, rows, sizes, partitions, key-value metadata. */
export async function inspectCommand(
  target: string | undefined,
  flags: { json?: string | boolean | undefined },
  io: { stdout: NodeJS.WriteStream },
): Promise<number> {
  if (!target) throw new UsageError('usage: etl inspect <file|dir> [--json]');
  // Object storage (s3://…): inspected from the objects' footers, see inspect-object-storage.ts.
  if (isObjectStorageUrl(target))
    return inspectObjectStorage(target, (local, localIo) => inspectCommand(local, flags, localIo), io);
  const info = await stat(target).catch(() => undefined);
  if (!info) throw new UsageError(`no such file or directory: ${target}`);
  if (info.isFile() && !(await isParquetFile(target)))
    throw new UsageError(
      `${target} is not a Parquet file (no PAR1 header): name a .parquet file or a directory of them`,
    );
  const files = await findParquetFiles(target);
  if (!files.length) throw new UsageError(`no .parquet files at or under ${target}`);
  const db = await openDuckDB();
  let datasets: InspectedDataset[];
  try {
    datasets = await inspectParquet(db.connection, files);
  } finally {
    db.close();
  }
  const total = {
    files: files.length,
    rows: datasets.reduce((n, d) => n + d.rows, 0),
    row_groups: datasets.reduce((n, d) => n + d.row_groups, 0),
    bytes: datasets.reduce((n, d) => n + d.bytes, 0),
    uncompressed_bytes: datasets.reduce((n, d) => n + d.uncompressed_bytes, 0),
  };
  if (flags.json) {
    io.stdout.write(`${toJson({ target: path.resolve(target), ...total, datasets }, 2)}\n`);
    return 0;
  }
  const parts: string[] = [];
  if (datasets.length > 1)
    parts.push(`${target}: ${plural(datasets.length, 'dataset')}, ${sizeLine(total)}`, '');
  parts.push(datasets.map(datasetText).join('\n\n'));
  io.stdout.write(`${parts.join('\n')}\n`);
  return 0;
}
