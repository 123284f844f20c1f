/**
 * Writes one column chunk (optional dictionary page, then data pages v2) straight from a typed
 * {@link ColumnChunk}. Per chunk it decides PLAIN or RLE_DICTIONARY with hyparquet-writer's rule
 * (a dictionary is kept when it plus its bit-packed indexes take at most half the PLAIN bytes);
 * fields with the schema's dictionary hint always get one. Booleans are RLE, definition levels
 * RLE/bit-packed. The footer metadata is returned in hyparquet's `ColumnChunk` shape.
 */
import type { Writer } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import type { ByteBuffer } from './byte-buffer.js';
import { planChunk, presentCount } from './chunk-plan.js';
import type { ColumnChunk } from './column-chunk.js';
import type { ChunkStatistics } from './column-statistics.js';
import { writeRleHybrid } from './rle-hybrid.js';

type PageHeader = Parameters<typeof writePageHeader>[1];
export type Encoding = NonNullable<PageHeader['data_page_header_v2']>['encoding'];

/** The leaf schema element of a column, as hyparquet-writer declares it. */
export interface LeafElement {
  readonly name: string;
  readonly type?: string;
  readonly repetition_type?: string;
}

export interface ColumnSpec {
  readonly element: LeafElement;
  /** Always dictionary-encode (the schema's `dictionary` hint). */
  readonly forceDictionary: boolean;
}

export interface PageCompression {
  readonly codec: string;
  /** Undefined: pages are stored as they are. */
  readonly compress: ((bytes: Uint8Array) => Uint8Array) | undefined;
}

/** Scratch buffers reused for every page of a file. */
export interface PageScratch {
  readonly levels: ByteBuffer;
  readonly values: ByteBuffer;
}

/** Footer metadata of one written column chunk (hyparquet's ColumnChunk shape). */
export interface WrittenColumnChunk {
  file_offset: bigint;
  meta_data: {
    type: string;
    encodings: string[];
    path_in_schema: string[];
    codec: string;
    num_values: bigint;
    total_uncompressed_size: bigint;
    total_compressed_size: bigint;
    data_page_offset: bigint;
    dictionary_page_offset?: bigint;
    statistics: ChunkStatistics;
    encoding_stats: { page_type: string; encoding: string; count: number }[];
  };
}

/** Pages hold about this many value bytes before compression (hyparquet-writer's default). */
const PAGE_BYTES = 1 << 20;

/**
 * Writes `rows` rows of `chunk` to `out` and returns the chunk's footer metadata. `valid` must only
 * be set on OPTIONAL columns.
 */
export function writeColumnChunk(
  out: Writer,
  scratch: PageScratch,
  spec: ColumnSpec,
  chunk: ColumnChunk,
  rows: number,
  compression: PageCompression,
): WrittenColumnChunk {
  const { element } = spec;
  const optional = element.repetition_type === 'OPTIONAL';
  const valid = chunk.valid;
  const count = presentCount(valid, rows);
  const plan = planChunk(spec, chunk, rows, count);
  const compress = compression.compress;
  const start = out.offset;
  let uncompressed = 0;
  let dictionaryOffset: bigint | undefined;
  const encodingStats: WrittenColumnChunk['meta_data']['encoding_stats'] = [];

  if (plan.dictionary) {
    dictionaryOffset = BigInt(out.offset);
    const raw = plan.dictionary.bytes;
    const stored = compress ? compress(raw) : raw;
    const headerStart = out.offset;
    writePageHeader(out, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: raw.length,
      compressed_page_size: stored.length,
      dictionary_page_header: { num_values: plan.dictionary.size, encoding: 'PLAIN' },
    });
    uncompressed += out.offset - headerStart + raw.length;
    out.appendBytes(stored);
    encodingStats.push({ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 });
  }

  const dataOffset = BigInt(out.offset);
  const pageCount = Math.max(1, Math.ceil(plan.pages.estimatedBytes / PAGE_BYTES));
  const rowsPerPage = Math.ceil(rows / pageCount);
  const { levels, values } = scratch;
  let pages = 0;
  let valueAt = 0;
  for (let rowAt = 0; rowAt < rows || pages === 0; rowAt += rowsPerPage) {
    const rowEnd = Math.min(rows, rowAt + rowsPerPage);
    const pageRows = rowEnd - rowAt;
    const pageValues = valid ? presentCount(valid.subarray(rowAt), pageRows) : pageRows;
    levels.reset();
    if (optional) {
      if (valid) writeRleHybrid(levels, valid, rowAt, rowEnd, 1);
      else if (pageRows > 0) {
        levels.varint(pageRows * 2);
        levels.u8(1);
      }
    }
    values.reset();
    plan.pages.writeValues(values, valueAt, valueAt + pageValues);
    valueAt += pageValues;
    const raw = values.view();
    const stored = compress ? compress(raw) : raw;
    const headerStart = out.offset;
    writePageHeader(out, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levels.length + raw.length,
      compressed_page_size: levels.length + stored.length,
      data_page_header_v2: {
        num_values: pageRows,
        num_nulls: pageRows - pageValues,
        num_rows: pageRows,
        encoding: plan.pages.encoding,
        definition_levels_byte_length: levels.length,
        repetition_levels_byte_length: 0,
        is_compressed: true,
      },
    });
    uncompressed += out.offset - headerStart + levels.length + raw.length;
    out.appendBytes(levels.view());
    out.appendBytes(stored);
    pages++;
    if (rowEnd >= rows) break;
  }
  encodingStats.push({ page_type: 'DATA_PAGE_V2', encoding: plan.pages.encoding, count: pages });

  const encodings = plan.dictionary ? ['PLAIN', plan.pages.encoding] : [plan.pages.encoding];
  return {
    file_offset: BigInt(start),
    meta_data: {
      type: element.type ?? 'BYTE_ARRAY',
      encodings,
      path_in_schema: [element.name],
      codec: compression.codec,
      num_values: BigInt(rows),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(out.offset - start),
      data_page_offset: dataOffset,
      ...(dictionaryOffset !== undefined ? { dictionary_page_offset: dictionaryOffset } : {}),
      statistics: plan.statistics,
      encoding_stats: encodingStats,
    },
  };
}
