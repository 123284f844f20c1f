/**
 * The Parquet footer (FileMetaData, thrift compact protocol), written the way hyparquet-writer's
 * `writeMetadata` writes it, except that each row group's metadata is serialised as soon as the
 * group is written. A file of a long segment has hundreds of row groups of 30 columns; kept as
 * objects until the end they took tens of MB, as bytes they take a few hundred KB. The bytes are
 * the same as `writeMetadata`'s (a test compares them).
 */
import { ByteWriter, type KeyValue, type SchemaElement, type Writer } from 'hyparquet-writer';
import { logicalType } from 'hyparquet-writer/src/metadata.js';
import { serializeTCompactProtocol } from 'hyparquet-writer/src/thrift.js';
import { unconvertStatistics } from 'hyparquet-writer/src/unconvert.js';
import type { WrittenColumnChunk } from './column-encoder.js';

// Thrift enums of the Parquet format, by position (as hyparquet's constants list them).
const TYPES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const ENCODINGS = [
  'PLAIN',
  'GROUP_VAR_INT',
  'PLAIN_DICTIONARY',
  'RLE',
  'BIT_PACKED',
  'DELTA_BINARY_PACKED',
  'DELTA_LENGTH_BYTE_ARRAY',
  'DELTA_BYTE_ARRAY',
  'RLE_DICTIONARY',
  'BYTE_STREAM_SPLIT',
];
const REPETITIONS = ['REQUIRED', 'OPTIONAL', 'REPEATED'];
const CONVERTED_TYPES = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
];
const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];
const PAGE_TYPES = ['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'];

/** Compact-protocol type ids used below. */
const LIST = 9;
const STRUCT = 12;

type ThriftObject = Parameters<typeof serializeTCompactProtocol>[1];

function indexIn(list: readonly string[], value: string | undefined): number | undefined {
  return value === undefined ? undefined : list.indexOf(value);
}

export interface RowGroupSummary {
  readonly columns: readonly WrittenColumnChunk[];
  readonly totalByteSize: bigint;
  readonly numRows: bigint;
  readonly totalCompressedSize: bigint;
}

/** Thrift bytes of one RowGroup struct; `leaves` are the schema's leaf elements, in column order. */
export function rowGroupBytes(group: RowGroupSummary, leaves: readonly SchemaElement[]): Uint8Array {
  const thrift = {
    field_1: group.columns.map((c, i) => {
      const m = c.meta_data;
      return {
        field_2: c.file_offset,
        field_3: {
          field_1: indexIn(TYPES, m.type),
          field_2: m.encodings.map((e) => ENCODINGS.indexOf(e)),
          field_3: m.path_in_schema,
          field_4: indexIn(CODECS, m.codec),
          field_5: m.num_values,
          field_6: m.total_uncompressed_size,
          field_7: m.total_compressed_size,
          field_9: m.data_page_offset,
          field_11: m.dictionary_page_offset,
          field_12: unconvertStatistics(m.statistics as never, leaves[i]!),
          field_13: m.encoding_stats.map((es) => ({
            field_1: PAGE_TYPES.indexOf(es.page_type),
            field_2: ENCODINGS.indexOf(es.encoding),
            field_3: es.count,
          })),
        },
      };
    }),
    field_2: group.totalByteSize,
    field_3: group.numRows,
    field_6: group.totalCompressedSize,
  };
  const out = new ByteWriter(256 + group.columns.length * 96);
  serializeTCompactProtocol(out, thrift as ThriftObject);
  return new Uint8Array(out.getBytes());
}

export interface FooterParts {
  readonly schema: readonly SchemaElement[];
  readonly numRows: bigint;
  readonly rowGroups: readonly Uint8Array[];
  readonly kvMetadata: readonly KeyValue[] | undefined;
  readonly createdBy: string;
}

function bytesOf(thrift: ThriftObject): Uint8Array {
  const out = new ByteWriter(1024);
  serializeTCompactProtocol(out, thrift);
  return out.getBytes();
}

/** Appends FileMetaData (version 2) and its length: everything of a footer but the final magic. */
export function writeFooter(writer: Writer, parts: FooterParts): void {
  const start = writer.offset;
  // Fields 1–3 as a struct of their own, without its stop byte: the same bytes as in the whole.
  const head = bytesOf({
    field_1: 2,
    field_2: parts.schema.map((e) => ({
      field_1: indexIn(TYPES, e.type),
      field_2: e.type_length,
      field_3: indexIn(REPETITIONS, e.repetition_type),
      field_4: e.name,
      field_5: e.num_children,
      field_6: indexIn(CONVERTED_TYPES, e.converted_type),
      field_7: e.scale,
      field_8: e.precision,
      field_9: e.field_id,
      field_10: logicalType(e.logical_type),
    })),
    field_3: parts.numRows,
  } as ThriftObject);
  writer.appendBytes(head.subarray(0, head.length - 1));
  // Field 4, the row groups: header (id delta 1, list), list header, then each struct as written.
  writer.appendUint8((1 << 4) | LIST);
  const n = parts.rowGroups.length;
  // An empty list gets element type 0, as hyparquet-writer writes it (readers ignore it).
  if (n === 0) writer.appendUint8(0);
  else if (n < 15) writer.appendUint8((n << 4) | STRUCT);
  else {
    writer.appendUint8(0xf0 | STRUCT);
    writer.appendVarInt(n);
  }
  for (const group of parts.rowGroups) writer.appendBytes(group);
  // Fields 5–7 numbered 1–3: the same id deltas, so the same bytes, stop byte included.
  const leaves = parts.schema.filter((e) => e.type);
  const tail = bytesOf({
    field_1: parts.kvMetadata?.map((kv) => ({ field_1: kv.key, field_2: kv.value })),
    field_2: parts.createdBy,
    field_3: leaves.map(() => ({ field_1: {} })),
  } as ThriftObject);
  writer.appendBytes(tail);
  writer.appendUint32(writer.offset - start);
}
