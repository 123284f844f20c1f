import { gzipSync } from 'node:zlib';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import type { ParquetWriteOptions } from 'hyparquet-writer';

/** Page compression of written files. */
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

export const COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'gzip', 'none'];

type Codec = NonNullable<ParquetWriteOptions['codec']>;
type Compressors = NonNullable<ParquetWriteOptions['compressors']>;

export interface CodecSetup {
  readonly codec: Codec;
  readonly compressors: Compressors;
}

/** zstd level 3 is the reference library's default and what DuckDB writes. */
export const DEFAULT_ZSTD_LEVEL = 3;
export const DEFAULT_GZIP_LEVEL = 6;

let zstdReady: Promise<void> | undefined;

/**
 * The zstd wasm module must be instantiated (asynchronously, once per process) before its
 * synchronous `compress` works; every session awaits this before it encodes a page.
 */
export function prepareCompression(compression: ParquetCompression): Promise<void> {
  if (compression !== 'zstd') return Promise.resolve();
  if (!zstdReady) {
    zstdReady = zstdInit().catch((error: unknown) => {
      zstdReady = undefined;
      throw error;
    });
  }
  return zstdReady;
}

/** hyparquet-writer codec name and compressor for a compression choice. */
export function codecSetup(compression: ParquetCompression, level?: number): CodecSetup {
  switch (compression) {
    case 'zstd': {
      const zstdLevel = level ?? DEFAULT_ZSTD_LEVEL;
      return { codec: 'ZSTD', compressors: { ZSTD: (input) => zstdCompress(input, zstdLevel) } };
    }
    case 'gzip': {
      const gzipLevel = level ?? DEFAULT_GZIP_LEVEL;
      return { codec: 'GZIP', compressors: { GZIP: (input) => gzipSync(input, { level: gzipLevel }) } };
    }
    case 'snappy':
      // hyparquet-writer ships its own snappy compressor.
      return { codec: 'SNAPPY', compressors: {} };
    case 'none':
      return { codec: 'UNCOMPRESSED', compressors: {} };
  }
}
