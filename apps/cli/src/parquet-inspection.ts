/**
 * What `etl inspect` reports about Parquet files, read from their footers through DuckDB (the
 * data pages are never read): schema, rows, row groups, sizes, codecs, Hive partitions and
 * key-value metadata, grouped by dataset.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { EtlError, errorMessage, parsePartitionPath } from '@etl/core';
import { sqlList, sqlString } from './duckdb.js';

export interface InspectedColumn {
  readonly name: string;
  /** The type DuckDB gives the column when it reads the dataset with Hive partitioning. */
  readonly type: string;
  /** Parquet physical type (`INT64`, `BYTE_ARRAY`, ...); null for a partition column. */
  readonly physical: string | null;
  /** Parquet logical type, compact (`TIMESTAMP(NANOS, utc=false)`, `STRING`); null when none. */
  readonly logical: string | null;
  readonly nullable: boolean;
  /** True for a Hive partition column (its value is in the directory name, not in the file). */
  readonly partition: boolean;
}

export interface InspectedFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the dataset directory. */
  readonly relative: string;
  readonly partition: Readonly<Record<string, string | null>>;
  readonly rows: number;
  readonly row_groups: number;
  readonly bytes: number;
  readonly uncompressed_bytes: number;
  readonly compression: string;
  readonly created_by: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface InspectedDataset {
  /** `etl.dataset` from the files' metadata, else the directory name. */
  readonly name: string;
  /** The dataset directory: the files' common directory above their partition directories. */
  readonly path: string;
  readonly files: number;
  readonly rows: number;
  readonly row_groups: number;
  readonly bytes: number;
  readonly uncompressed_bytes: number;
  readonly compression: readonly string[];
  /** Partition column → distinct values (null for `__HIVE_DEFAULT_PARTITION__`), sorted. */
  readonly partitions: Readonly<Record<string, readonly (string | null)[]>>;
  readonly schema: readonly InspectedColumn[];
  /** Key-value metadata of the first file (per-file metadata is in `file_list`). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly file_list: readonly InspectedFile[];
}

/** Every `.parquet` file at or under `target`, skipping `_*` and hidden entries (manifests, state, temp files). */
export async function findParquetFiles(target: string): Promise<string[]> {
  const s = await stat(target);
  if (s.isFile()) return [path.resolve(target)];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith('.parquet')) out.push(p);
    }
  };
  await walk(path.resolve(target));
  return out.sort();
}

/** The directory above a file's `key=value` partition directories. */
export function datasetDirOf(file: string): string {
  const parts = path.dirname(file).split(path.sep);
  const first = parts.findIndex((p) => p.indexOf('=') > 0);
  return first < 0 ? parts.join(path.sep) : parts.slice(0, first).join(path.sep) || path.sep;
}

/** DuckDB's rendering of a Parquet logical type, made short: `TIMESTAMP(NANOS, utc=false)`. */
export function compactLogicalType(logical: string | null): string | null {
  if (!logical) return null;
  const ts = /^TimestampType\(isAdjustedToUTC=(\d), unit=TimeUnit\((.*)\)\)$/.exec(logical);
  if (ts) {
    const unit = /(MILLIS|MICROS|NANOS)=(?!<null>)/.exec(ts[2]!)?.[1] ?? '?';
    return `TIMESTAMP(${unit}, utc=${ts[1] === '1'})`;
  }
  const int = /^IntType\(bitWidth=(\d+), isSigned=(\d)\)$/.exec(logical);
  if (int) return `INT(${int[1]}, ${int[2] === '1' ? 'signed' : 'unsigned'})`;
  const dec = /^DecimalType\(scale=(\d+), precision=(\d+)\)$/.exec(logical);
  if (dec) return `DECIMAL(${dec[2]}, ${dec[1]})`;
  const simple = /^(\w+)Type\(\)$/.exec(logical);
  return simple ? simple[1]!.toUpperCase() : logical;
}

type RowObject = Record<string, unknown>;

async function rows(connection: DuckDBConnection, sql: string): Promise<RowObject[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as RowObject[];
}

const text = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v));

async function inspectDataset(
  connection: DuckDBConnection,
  dir: string,
  files: readonly string[],
): Promise<InspectedDataset> {
  const list = sqlList(files);
  const byFile = new Map<
    string,
    { rows: number; row_groups: number; bytes: number; created_by: string | null }
  >();
  for (const r of await rows(
    connection,
    `SELECT file_name, num_rows, num_row_groups, file_size_bytes, created_by FROM parquet_file_metadata(${list})`,
  )) {
    byFile.set(String(r.file_name), {
      rows: Number(r.num_rows),
      row_groups: Number(r.num_row_groups),
      bytes: Number(r.file_size_bytes),
      created_by: r.created_by === null ? null : String(r.created_by),
    });
  }
  const chunks = new Map<string, { uncompressed: number; codecs: string }>();
  for (const r of await rows(
    connection,
    `SELECT file_name, sum(total_uncompressed_size) AS uncompressed, string_agg(DISTINCT compression, ',' ORDER BY compression) AS codecs
     FROM parquet_metadata(${list}) GROUP BY file_name`,
  )) {
    chunks.set(String(r.file_name), {
      uncompressed: Number(r.uncompressed ?? 0),
      codecs: String(r.codecs ?? ''),
    });
  }
  const kv = new Map<string, Record<string, string>>();
  for (const r of await rows(connection, `SELECT file_name, key, value FROM parquet_kv_metadata(${list})`)) {
    const m = kv.get(String(r.file_name)) ?? {};
    m[text(r.key)] = text(r.value);
    kv.set(String(r.file_name), m);
  }
  const fileList: InspectedFile[] = files.map((file) => {
    const f = byFile.get(file);
    const c = chunks.get(file);
    return {
      path: file,
      relative: path.relative(dir, file),
      partition: parsePartitionPath(path.relative(dir, path.dirname(file))),
      rows: f?.rows ?? 0,
      row_groups: f?.row_groups ?? 0,
      bytes: f?.bytes ?? 0,
      uncompressed_bytes: c?.uncompressed ?? 0,
      compression: c?.codecs ?? '',
      created_by: f?.created_by ?? null,
      metadata: kv.get(file) ?? {},
    };
  });

  const partitions = new Map<string, Set<string | null>>();
  for (const f of fileList) {
    for (const [k, v] of Object.entries(f.partition)) {
      let values = partitions.get(k);
      if (!values) partitions.set(k, (values = new Set()));
      values.add(v);
    }
  }
  // The schema as DuckDB reads the whole dataset (Hive columns included), with the first file's
  // Parquet types beside it.
  const described = await rows(
    connection,
    `DESCRIBE SELECT * FROM read_parquet(${list}, hive_partitioning = ${partitions.size > 0}, union_by_name = true)`,
  );
  const physical = new Map<string, RowObject>();
  for (const r of await rows(
    connection,
    `SELECT name, type, logical_type, repetition_type, num_children FROM parquet_schema(${sqlString(files[0]!)})`,
  )) {
    if (r.num_children === null || Number(r.num_children) === 0) physical.set(String(r.name), r);
  }
  const schema: InspectedColumn[] = described.map((c) => {
    const name = String(c.column_name);
    const p = physical.get(name);
    const partition = !p && partitions.has(name);
    return {
      name,
      type: String(c.column_type),
      physical: p ? String(p.type) : null,
      logical: p ? compactLogicalType(p.logical_type === null ? null : String(p.logical_type)) : null,
      nullable: p
        ? p.repetition_type !== 'REQUIRED'
        : partition
          ? [...(partitions.get(name) ?? [])].includes(null)
          : true,
      partition,
    };
  });
  const metadata = fileList[0]?.metadata ?? {};
  const codecs = new Set(fileList.flatMap((f) => (f.compression ? f.compression.split(',') : [])));
  const sortValues = (a: string | null, b: string | null) =>
    a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0;
  return {
    name: metadata['etl.dataset'] ?? path.basename(dir),
    path: dir,
    files: fileList.length,
    rows: fileList.reduce((n, f) => n + f.rows, 0),
    row_groups: fileList.reduce((n, f) => n + f.row_groups, 0),
    bytes: fileList.reduce((n, f) => n + f.bytes, 0),
    uncompressed_bytes: fileList.reduce((n, f) => n + f.uncompressed_bytes, 0),
    compression: [...codecs].sort(),
    partitions: Object.fromEntries([...partitions].map(([k, v]) => [k, [...v].sort(sortValues)])),
    schema,
    metadata,
    file_list: fileList,
  };
}

/** Inspects Parquet `files`, one entry per dataset directory, in path order. */
export async function inspectParquet(
  connection: DuckDBConnection,
  files: readonly string[],
): Promise<InspectedDataset[]> {
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const dir = datasetDirOf(f);
    const list = groups.get(dir);
    if (list) list.push(f);
    else groups.set(dir, [f]);
  }
  const out: InspectedDataset[] = [];
  for (const [dir, list] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    try {
      out.push(await inspectDataset(connection, dir, list));
    } catch (error) {
      throw new EtlError(
        `cannot read the Parquet metadata under ${dir}: ${errorMessage(error)}`,
        'E_PARQUET',
      );
    }
  }
  return out;
}
