/**
 * Encodes one Parquet file from typed column chunks: `PAR1`, row groups written by
 * {@link writeColumnChunk}, then the footer, serialised by hyparquet-writer's thrift code. Pure
 * CPU work on a hyparquet `Writer`; where the bytes go (an async file sink, or a file descriptor
 * in a worker thread) is the caller's business.
 */
import type { KeyValue, SchemaElement, Writer } from 'hyparquet-writer';
import { ByteBuffer } from './byte-buffer.js';
import type { ColumnChunk } from './column-chunk.js';
import {
  type ColumnSpec,
  type PageScratch,
  type WrittenColumnChunk,
  writeColumnChunk,
} from './column-encoder.js';
import type { ParquetCompression } from './compression.js';
import { pageCompression } from './compression.js';
import { rowGroupBytes, writeFooter } from './file-footer.js';

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

const MAGIC = 0x31524150; // "PAR1"

/** Page buffers shared by every file of the thread: it encodes one page at a time. */
const pageScratch: PageScratch = { levels: new ByteBuffer(1 << 12), values: new ByteBuffer() };

/** What every file of one spec derives from it, computed once per spec object. */
interface FileLayout {
  readonly leaves: SchemaElement[];
  readonly columns: ColumnSpec[];
  readonly compression: ReturnType<typeof pageCompression>;
}
const layouts = new WeakMap<FileEncodingSpec, FileLayout>();

function layoutOf(spec: FileEncodingSpec): FileLayout {
  let layout = layouts.get(spec);
  if (!layout) {
    const leaves = spec.schema.slice(1);
    layout = {
      leaves,
      columns: leaves.map((element, i) => ({ element, forceDictionary: spec.dictionary[i] === true })),
      compression: pageCompression(spec.compression, spec.compressionLevel),
    };
    layouts.set(spec, layout);
  }
  return layout;
}

export class ParquetFileEncoder {
  private readonly columns: ColumnSpec[];
  private readonly leaves: SchemaElement[];
  /** Footer metadata of each written row group, already serialised. */
  private readonly rowGroups: Uint8Array[] = [];
  private readonly scratch = pageScratch;
  private readonly compression: FileLayout['compression'];
  rows = 0;

  constructor(
    private readonly sink: Writer,
    private readonly spec: FileEncodingSpec,
  ) {
    // Shared by every file of the spec: thousands of partitions mean thousands of open files.
    ({ leaves: this.leaves, columns: this.columns, compression: this.compression } = layoutOf(spec));
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
    const summary = {
      columns: written,
      totalByteSize: uncompressed,
      numRows: BigInt(rows),
      totalCompressedSize: BigInt(this.sink.offset - start),
    };
    this.rowGroups.push(rowGroupBytes(summary, this.leaves));
    this.rows += rows;
  }

  /** Appends the footer. The sink still has to be flushed. */
  finish(): void {
    writeFooter(this.sink, {
      schema: this.spec.schema,
      numRows: BigInt(this.rows),
      rowGroups: this.rowGroups,
      kvMetadata: this.spec.kvMetadata,
      createdBy: this.spec.createdBy,
    });
    this.sink.appendUint32(MAGIC);
  }
}
