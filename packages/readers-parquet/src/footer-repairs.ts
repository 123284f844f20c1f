/**
 * Work-arounds, applied from outside, for files hyparquet 1.31 cannot read but DuckDB can:
 *
 * - Column chunks whose recorded `total_compressed_size` is short of their pages (some old
 *   writers leave the dictionary page out of it, as in parquet-testing's
 *   `nation.dict-malformed.parquet`): hyparquet slices exactly that many bytes and fails with
 *   "Invalid typed array length". A flat column's chunk is widened to the next known structure
 *   of the file (the next chunk, a page index, a bloom filter or the footer); hyparquet stops a
 *   flat column after its row count, so bytes past the last page are never parsed.
 * - UINT_32 columns encoded DELTA_BINARY_PACKED with values of 2^31 and more (DuckDB's Parquet
 *   v2 writer): hyparquet decodes the block headers with 32-bit zigzag arithmetic and returns
 *   values 2^31 too small. That cannot be repaired from outside, so such a row group is refused
 *   ({@link misdecodedColumn}) rather than read wrong.
 * - Data pages v2 that hold no value bytes (`datapage_v2_empty_datapage.snappy.parquet`): the
 *   snappy decoder refuses an empty input; an empty page decompresses to nothing.
 */
import type { ColumnChunk, Compressors, FileMetaData, SchemaElement } from 'hyparquet';

function chunkStart(chunk: ColumnChunk): bigint | undefined {
  const meta = chunk.meta_data;
  return meta ? meta.dictionary_page_offset || meta.data_page_offset : undefined;
}

/** Every offset at which some known structure of the file starts, ascending. */
function knownOffsets(metadata: FileMetaData, fileLength: number): bigint[] {
  const offsets: bigint[] = [BigInt(fileLength - 8 - metadata.metadata_length)];
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const start = chunkStart(chunk);
      if (start !== undefined) offsets.push(start);
      if (chunk.column_index_offset !== undefined) offsets.push(chunk.column_index_offset);
      if (chunk.offset_index_offset !== undefined) offsets.push(chunk.offset_index_offset);
      if (chunk.meta_data?.bloom_filter_offset !== undefined)
        offsets.push(chunk.meta_data.bloom_filter_offset);
    }
  }
  return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The metadata with each flat column chunk that stops short of the next known structure widened
 * to it; `flat(name)` says whether a top-level column is flat. Returns `metadata` itself when no
 * chunk leaves a gap (the usual case).
 */
export function coverChunkGaps(
  metadata: FileMetaData,
  fileLength: number,
  flat: (column: string) => boolean,
): FileMetaData {
  const offsets = knownOffsets(metadata, fileLength);
  const nextAfter = (at: bigint): bigint | undefined => offsets.find((o) => o > at);
  let changed = false;
  const row_groups = metadata.row_groups.map((group) => {
    const columns = group.columns.map((chunk) => {
      const meta = chunk.meta_data;
      const start = chunkStart(chunk);
      if (!meta || start === undefined || meta.path_in_schema.length !== 1) return chunk;
      if (!flat(meta.path_in_schema[0]!)) return chunk;
      const next = nextAfter(start);
      if (next === undefined || start + meta.total_compressed_size >= next) return chunk;
      changed = true;
      return { ...chunk, meta_data: { ...meta, total_compressed_size: next - start } };
    });
    return { ...group, columns };
  });
  return changed ? { ...metadata, row_groups } : metadata;
}

/** The decompressors, each returning an empty page for an empty input that should stay empty. */
export function tolerateEmptyPages(compressors: Compressors): Compressors {
  const out: Compressors = {};
  for (const [codec, decompress] of Object.entries(compressors) as [
    keyof Compressors,
    Compressors[keyof Compressors],
  ][]) {
    if (!decompress) continue;
    out[codec] = (input, outputLength) =>
      input.length === 0 && outputLength === 0 ? new Uint8Array(0) : decompress(input, outputLength);
  }
  return out;
}

/** INT32 leaves annotated unsigned (UINT_32 or INTEGER(32, false)). */
export function isUnsignedInt32(e: SchemaElement): boolean {
  const lt = e.logical_type;
  return (
    e.type === 'INT32' &&
    (e.converted_type === 'UINT_32' || (lt?.type === 'INTEGER' && lt.bitWidth === 32 && !lt.isSigned))
  );
}

/**
 * Why hyparquet would decode one of `columns` wrongly in row group `group`, or undefined.
 * `unsignedInt32` holds the dotted paths of the file's UINT_32 leaves. A chunk whose statistics
 * show every value below 2^31 is safe.
 */
export function misdecodedColumn(
  metadata: FileMetaData,
  group: number,
  columns: ReadonlySet<string>,
  unsignedInt32: ReadonlySet<string>,
): string | undefined {
  if (unsignedInt32.size === 0) return undefined;
  for (const chunk of metadata.row_groups[group]?.columns ?? []) {
    const meta = chunk.meta_data;
    if (!meta || !columns.has(meta.path_in_schema[0] ?? '')) continue;
    const path = meta.path_in_schema.join('.');
    if (!unsignedInt32.has(path) || !meta.encodings.includes('DELTA_BINARY_PACKED')) continue;
    const max = meta.statistics?.max_value ?? meta.statistics?.max;
    if (typeof max === 'number' && max < 2 ** 31) continue;
    return `column ${path}: UINT_32 values of 2^31 and more encoded DELTA_BINARY_PACKED are decoded wrongly by hyparquet; rewrite the file with PLAIN or dictionary encoding (e.g. Parquet format v1)`;
  }
  return undefined;
}
