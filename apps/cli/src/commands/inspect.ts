import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parsePartitionPath } from '@etl/core';
import { openDuckDB, sqlString } from '../duckdb.js';
import { formatBytes, formatCount, renderTable, toJson } from '../format.js';
import { UsageError } from '../usage-error.js';

async function parquetFiles(target: string): Promise<string[]> {
  const s = await stat(target).catch(() => undefined);
  if (!s) throw new UsageError(`no such file or directory: ${target}`);
  if (s.isFile()) return [target];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.parquet')) out.push(p);
    }
  };
  await walk(target);
  return out.sort();
}

const decode = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v));

/** `etl inspect <file|dir>`: schema, row groups, rows, sizes, partitions, key-value metadata. */
export async function inspectCommand(target: string | undefined, flags: { json?: boolean }, io: { stdout: NodeJS.WriteStream }): Promise<number> {
  if (!target) throw new UsageError('usage: etl inspect <file|dir> [--json]');
  const files = await parquetFiles(target);
  if (!files.length) throw new UsageError(`no .parquet files under ${target}`);
  const db = await openDuckDB();
  const base = (await stat(target)).isFile() ? path.dirname(target) : target;
  const fileInfos = [];
  for (const file of files) {
    const meta = (
      await db.runAndReadAll(
        `SELECT count(DISTINCT row_group_id) AS row_groups, max(row_group_num_rows) AS max_rg_rows, any_value(compression) AS compression FROM parquet_metadata(${sqlString(file)})`,
      )
    ).getRowObjectsJS()[0] as { row_groups: bigint; max_rg_rows: bigint; compression: string };
    const rows = (await db.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${sqlString(file)})`)).getRowObjectsJS()[0] as { num_rows: bigint };
    const kv = (await db.runAndReadAll(`SELECT key, value FROM parquet_kv_metadata(${sqlString(file)})`)).getRowObjectsJS() as { key: unknown; value: unknown }[];
    fileInfos.push({
      path: path.relative(process.cwd(), file),
      partition: parsePartitionPath(path.relative(base, path.dirname(file))),
      rows: Number(rows.num_rows),
      row_groups: Number(meta.row_groups),
      compression: meta.compression,
      bytes: (await stat(file)).size,
      metadata: Object.fromEntries(kv.map((r) => [decode(r.key), decode(r.value)])),
    });
  }
  const schema = (
    await db.runAndReadAll(`SELECT column_name, column_type, null AS n FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(files[0]!)}))`)
  ).getRowObjectsJS() as { column_name: string; column_type: string }[];
  const physical = (await db.runAndReadAll(`SELECT name, type, logical_type, repetition_type FROM parquet_schema(${sqlString(files[0]!)}) WHERE num_children IS NULL OR num_children = 0`)).getRowObjectsJS() as {
    name: string;
    type: string;
    logical_type: string | null;
    repetition_type: string;
  }[];
  const partitions = new Map<string, Set<string>>();
  for (const f of fileInfos) for (const [k, v] of Object.entries(f.partition)) (partitions.get(k) ?? partitions.set(k, new Set()).get(k)!).add(v ?? 'NULL');
  const totalRows = fileInfos.reduce((n, f) => n + f.rows, 0);
  const totalBytes = fileInfos.reduce((n, f) => n + f.bytes, 0);
  const result = {
    target,
    files: fileInfos.length,
    rows: totalRows,
    bytes: totalBytes,
    row_groups: fileInfos.reduce((n, f) => n + f.row_groups, 0),
    partitions: Object.fromEntries([...partitions].map(([k, v]) => [k, [...v].sort()])),
    schema: schema.map((c) => {
      const p = physical.find((x) => x.name === c.column_name);
      return { name: c.column_name, type: c.column_type, physical: p?.type ?? null, logical: p?.logical_type ?? null, nullable: p ? p.repetition_type !== 'REQUIRED' : true };
    }),
    metadata: fileInfos[0]?.metadata ?? {},
    file_list: fileInfos,
  };
  if (flags.json) {
    io.stdout.write(`${toJson(result, 2)}\n`);
    return 0;
  }
  const out = [
    `${target}: ${formatCount(result.files)} file(s), ${formatCount(totalRows)} rows, ${result.row_groups} row group(s), ${formatBytes(totalBytes)}`,
    '',
    'Schema',
    renderTable(['column', 'type', 'parquet', 'nullable'], result.schema.map((c) => [c.name, c.type, [c.physical, c.logical].filter(Boolean).join(' / '), c.nullable ? 'yes' : 'no'])),
    '',
  ];
  if (partitions.size) {
    out.push('Partitions');
    for (const [k, v] of Object.entries(result.partitions)) out.push(`  ${k}: ${v.join(', ')}`);
    out.push('');
  }
  out.push('Files', renderTable(['file', 'rows', 'row groups', 'size', 'codec'], fileInfos.map((f) => [f.path, f.rows, f.row_groups, formatBytes(f.bytes), f.compression])), '');
  out.push('Key-value metadata (first file)');
  for (const [k, v] of Object.entries(result.metadata)) out.push(`  ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`);
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
