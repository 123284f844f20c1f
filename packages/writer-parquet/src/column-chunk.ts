/**
 * One column's values for one row group, as typed arrays: what column buffers hand over and the
 * encoder reads. Plain data only, so a chunk can be posted to a worker thread with its buffers
 * transferred rather than copied. Arrays may be longer than the row count; only the first `rows`
 * entries count.
 */

interface ChunkBase {
  /** 1 where the row has a value, 0 where it is null; null when every row has a value. */
  readonly valid: Uint8Array | null;
}

export interface DoubleChunk extends ChunkBase {
  readonly kind: 'double';
  readonly values: Float64Array;
}

/** int32 and date (day numbers) columns. */
export interface Int32Chunk extends ChunkBase {
  readonly kind: 'int32';
  readonly values: Int32Array;
}

/** int64 and timestamp columns. */
export interface Int64Chunk extends ChunkBase {
  readonly kind: 'int64';
  readonly values: BigInt64Array;
}

export interface BoolChunk extends ChunkBase {
  readonly kind: 'bool';
  /** 0 or 1 per row. */
  readonly values: Uint8Array;
}

/** Strings as indexes into a dictionary of the distinct strings of the chunk. */
export interface StringChunk extends ChunkBase {
  readonly kind: 'string';
  readonly values: Int32Array;
  readonly dictionary: readonly string[];
}

export type ColumnChunk = DoubleChunk | Int32Chunk | Int64Chunk | BoolChunk | StringChunk;

/** The buffers of `chunks`: for a `postMessage` transfer list, and to reuse once encoded. */
export function transferablesOf(chunks: readonly ColumnChunk[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const chunk of chunks) {
    out.push(chunk.values.buffer as ArrayBuffer);
    if (chunk.valid) out.push(chunk.valid.buffer as ArrayBuffer);
  }
  return out;
}
