/**
 * Encodes one Parquet file from typed column chunks: `PAR1`, row groups written by
 * {@link writeColumnChunk}, then the footer, serialised by hyparquet-writer's thrift code. Pure
 * CPU work on a hyparquet `Writer`; where the bytes go (an async file sink, or a file descriptor
 * in a worker thread) is the caller's business.
 */
import type { KeyValue, SchemaElement, Writer } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { ByteBuffer } from './byte-buffer.js';
import type { ColumnChunk } from './column-chunk.js';
import {
  type ColumnSpec,
  type PageScratch,
  type WrittenColumnChunk,
  writeColumnChunk,
} from './column-encoder.js';
import { type ParquetCompression, pageCompression } from './compression.js';

type FileMetaData = Parameters<typeof writeMetadata>[1];

/** Everything needed to encode a file; plain data, so it can be posted to a worker. */
export interface FileEncodingSpec {
  /** hyparquet-writer schema, root element first. */
  readonly schema: SchemaElement[];
  /** Per leaf column: always dictionary-encode. */
  readonly dictionary: readonly boolean[];
  readonly compression: ParquetCompression;
  readonly compressionLevel: number | undefined;
  readonly kvMetadata: KeyValue[];
  readonly createdBy: string;
}

interface RowGroupMeta {
  columns: WrittenColumnChunk[];
  total_byte_size: bigint;
  num_rows: bigint;
  total_compressed_size: bigint;
}

const MAGIC = 0x31524150; // "PAR1"

export class ParquetFileEncoder {
  private readonly columns: ColumnSpec[];
  private readonly rowGroups: RowGroupMeta[] = [];
  private readonly scratch: PageScratch = { levels: new ByteBuffer(1 << 12), values: new ByteBuffer() };
  private readonly compression;
  rows = 0;

  constructor(
    private readonly sink: Writer,
    private readonly spec: FileEncodingSpec,
  ) {
    this.columns = spec.schema.slice(1).map((element, i) => ({
      element,
      forceDictionary: spec.dictionary[i] === true,
    }));
    this.compression = pageCompression(spec.compression, spec.compressionLevel);
    sink.appendUint32(MAGIC);
  }

  /** Encodes `rows` rows (one chunk per leaf column, in schema order) as one row group. */
  writeRowGroup(chunks: readonly ColumnChunk[], rows: number): void {
    if (chunks.length !== this.columns.length) {
      throw new Error(`expected ${this.columns.length} column chunks, got ${chunks.length}`);
    }
    const start = this.sink.offset;
    const written: WrittenColumnChunk[] = [];
    let uncompressed = 0n;
    for (let c = 0; c < chunks.length; c++) {
      const column = writeColumnChunk(
        this.sink,
        this.scratch,
        this.columns[c]!,
        chunks[c]!,
        rows,
        this.compression,
      );
      uncompressed += column.meta_data.total_uncompressed_size;
      written.push(column);
    }
    this.rowGroups.push({
      columns: written,
      total_byte_size: uncompressed,
      num_rows: BigInt(rows),
      total_compressed_size: BigInt(this.sink.offset - start),
    });
    this.rows += rows;
  }

  /** Appends the footer. The sink still has to be flushed. */
  finish(): void {
    const metadata = {
      version: 2,
      created_by: this.spec.createdBy,
      schema: this.spec.schema,
      num_rows: BigInt(this.rows),
      row_groups: this.rowGroups,
      key_value_metadata: this.spec.kvMetadata,
    } as unknown as FileMetaData;
    writeMetadata(this.sink, metadata);
    this.sink.appendUint32(MAGIC);
  }
}
