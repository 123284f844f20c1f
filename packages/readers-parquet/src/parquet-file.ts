/**
 * One open Parquet file: its footer, and its row groups decoded one at a time into column arrays.
 */
import { EtlError, errorMessage } from '@etl/core';
import {
  type AsyncBuffer,
  type FileMetaData,
  type ParquetParsers,
  parquetMetadataAsync,
  parquetRead,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { FileColumn, TypeMappingOptions } from './column-types.js';
import { FileAsyncBuffer } from './file-async-buffer.js';
import { coverChunkGaps, isUnsignedInt32, misdecodedColumn, tolerateEmptyPages } from './footer-repairs.js';
import { fileColumnsOf, flatColumnNames, leafPaths, plainAssemblySchema } from './nested-columns.js';

const decompressors = tolerateEmptyPages(compressors);

/** Where a file's bytes come from: a local file, or an object read by byte ranges. */
export interface ParquetSource extends AsyncBuffer {
  readonly path: string;
  readonly bytesRead: number;
  close(): Promise<void>;
}

/** Decoded values of one row group, one array per requested column (index = row in the group). */
export type ColumnArrays = Map<string, ArrayLike<unknown>>;

export class ParquetFile {
  readonly columns: readonly FileColumn[];
  /** Rows of each row group. */
  readonly rowGroupRows: readonly number[];
  /** The footer's key-value metadata (a key given twice keeps its last value). */
  readonly keyValue: Readonly<Record<string, string>>;
  /** Compression codec of the first column chunk (`ZSTD`, `SNAPPY`, ...), if any. */
  readonly codec: string | undefined;
  /** Per flat column, min/max over every row group, when every row group has statistics. */
  readonly ranges: Readonly<Record<string, ColumnRange>>;
  private readonly rowGroupStarts: readonly number[];
  /** The footer as hyparquet decodes with it (see {@link plainAssemblySchema}). */
  private readonly decodeMetadata: FileMetaData;
  private readonly unsignedInt32: ReadonlySet<string>;

  private constructor(
    private readonly buffer: ParquetSource,
    metadata: FileMetaData,
    private readonly parsers: Partial<ParquetParsers>,
    mapping: TypeMappingOptions,
  ) {
    this.columns = fileColumnsOf(metadata, mapping);
    this.unsignedInt32 = leafPaths(metadata, isUnsignedInt32);
    const flat = flatColumnNames(metadata);
    this.decodeMetadata = coverChunkGaps(plainAssemblySchema(metadata), buffer.byteLength, (name) =>
      flat.has(name),
    );
    this.rowGroupRows = metadata.row_groups.map((g) => Number(g.num_rows));
    const keyValue: Record<string, string> = {};
    for (const { key, value } of metadata.key_value_metadata ?? []) keyValue[key] = value ?? '';
    this.keyValue = keyValue;
    this.codec = metadata.row_groups[0]?.columns[0]?.meta_data?.codec;
    this.ranges = columnRanges(metadata);
    let start = 0;
    this.rowGroupStarts = this.rowGroupRows.map((rows) => {
      const at = start;
      start += rows;
      return at;
    });
  }

  get path(): string {
    return this.buffer.path;
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }

  get bytesRead(): number {
    return this.buffer.bytesRead;
  }

  /** Opens a file and reads its footer; throws an `E_PARQUET` error naming the file if it is not Parquet. */
  static async open(
    path: string,
    parsers: Partial<ParquetParsers>,
    mapping: TypeMappingOptions = {},
    openSource: (path: string) => Promise<ParquetSource> = FileAsyncBuffer.open,
  ): Promise<ParquetFile> {
    const buffer = await openSource(path);
    try {
      const metadata = await parquetMetadataAsync(buffer, { parsers, geoparquet: false });
      return new ParquetFile(buffer, metadata, parsers, mapping);
    } catch (error) {
      await buffer.close();
      throw new EtlError(`${path}: not a readable Parquet file: ${errorMessage(error)}`, 'E_PARQUET', {
        cause: error,
      });
    }
  }

  /** First row (0-based, in the file) of a row group. */
  rowGroupStart(index: number): number {
    return this.rowGroupStarts[index] ?? 0;
  }

  /**
   * Decodes the named columns of one row group. Only that group's column chunks are read, so
   * memory is bounded by the largest row group, not the file.
   */
  async readRowGroup(index: number, columns: readonly string[]): Promise<ColumnArrays> {
    const out = new Map<string, ArrayLike<unknown>>();
    const rows = this.rowGroupRows[index] ?? 0;
    if (columns.length === 0 || rows === 0) return out;
    const rowStart = this.rowGroupStart(index);
    const pieces = new Map<string, { start: number; data: ArrayLike<unknown> }[]>();
    try {
      if (this.unsignedInt32.size > 0) {
        const problem = misdecodedColumn(this.decodeMetadata, index, new Set(columns), this.unsignedInt32);
        if (problem) throw new Error(problem);
      }
      await parquetRead({
        file: this.buffer,
        metadata: this.decodeMetadata,
        columns: [...columns],
        // Text only where the schema says so; un-annotated binary stays bytes (the type mapping decides).
        utf8: false,
        rowStart,
        rowEnd: rowStart + rows,
        compressors: decompressors,
        parsers: this.parsers,
        geoparquet: false,
        onChunk(chunk) {
          let list = pieces.get(chunk.columnName);
          if (!list) pieces.set(chunk.columnName, (list = []));
          list.push({ start: chunk.rowStart - rowStart, data: chunk.columnData });
        },
      });
    } catch (error) {
      throw new EtlError(
        `${this.path}: row group ${index} (rows ${rowStart + 1}-${rowStart + rows}): ${errorMessage(error)}`,
        'E_PARQUET',
        { cause: error },
      );
    }
    for (const name of columns) {
      const list = pieces.get(name) ?? [];
      out.set(name, joinPieces(list, rows, this.path, name));
    }
    return out;
  }

  close(): Promise<void> {
    return this.buffer.close();
  }
}

/** A column's smallest and largest value over a file (statistics, physical values) and its nulls. */
export interface ColumnRange {
  readonly min: unknown;
  readonly max: unknown;
  readonly nulls: number;
}

function columnRanges(metadata: FileMetaData): Record<string, ColumnRange> {
  const out: Record<string, ColumnRange> = {};
  const groups = metadata.row_groups;
  if (groups.length === 0) return out;
  for (let c = 0; c < (groups[0]?.columns.length ?? 0); c++) {
    const path = groups[0]!.columns[c]!.meta_data?.path_in_schema;
    if (path?.length !== 1) continue;
    let min: unknown;
    let max: unknown;
    let nulls = 0;
    let complete = true;
    for (const g of groups) {
      const st = g.columns[c]?.meta_data?.statistics;
      const lo = st?.min_value ?? st?.min;
      const hi = st?.max_value ?? st?.max;
      if (lo === undefined || hi === undefined || st?.null_count === undefined) {
        complete = false;
        break;
      }
      nulls += Number(st.null_count);
      if (min === undefined || (lo as number) < (min as number)) min = lo;
      if (max === undefined || (hi as number) > (max as number)) max = hi;
    }
    if (complete) out[path[0]!] = { min, max, nulls };
  }
  return out;
}

/** One array for the whole group; a column usually arrives in one piece, so copying is rare. */
function joinPieces(
  list: readonly { start: number; data: ArrayLike<unknown> }[],
  rows: number,
  path: string,
  name: string,
): ArrayLike<unknown> {
  const only = list[0];
  if (list.length === 1 && only && only.start === 0 && only.data.length === rows) return only.data;
  const joined = new Array<unknown>(rows);
  let filled = 0;
  for (const { start, data } of list) {
    for (let i = 0; i < data.length; i++) {
      const at = start + i;
      if (at >= 0 && at < rows) {
        joined[at] = data[i];
        filled++;
      }
    }
  }
  if (filled !== rows) {
    throw new EtlError(`${path}: column ${name} decoded ${filled} of ${rows} rows`, 'E_PARQUET');
  }
  return joined;
}
