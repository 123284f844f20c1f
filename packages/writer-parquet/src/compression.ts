import { gzipSync } from 'node:zlib';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import type { PageCompression } from './column-encoder.js';

/** Page compression of written files. */
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

export const COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'gzip', 'none'];

/** The compression when none is given: zstd is about a third smaller than snappy on level2 data. */
export const DEFAULT_COMPRESSION: ParquetCompression = 'zstd';

/** zstd level 3 is the reference library's default and what DuckDB writes. */
const DEFAULT_ZSTD_LEVEL = 3;
const DEFAULT_GZIP_LEVEL = 6;

let zstdReady: Promise<void> | undefined;

/**
 * The zstd wasm module must be instantiated (asynchronously, once per thread) before its
 * synchronous `compress` works; every file awaits this before it encodes a page.
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

/** Parquet codec name and page compressor for a compression choice. */
export function pageCompression(compression: ParquetCompression, level?: number): PageCompression {
  switch (compression) {
    case 'zstd': {
      const zstdLevel = level ?? DEFAULT_ZSTD_LEVEL;
      return { codec: 'ZSTD', compress: (input) => zstdCompress(input, zstdLevel) };
    }
    case 'gzip': {
      const gzipLevel = level ?? DEFAULT_GZIP_LEVEL;
      return { codec: 'GZIP', compress: (input) => gzipSync(input, { level: gzipLevel }) };
    }
    case 'snappy':
      // hyparquet-writer's pure-JS snappy.
      return { codec: 'SNAPPY', compress: snappyCompress };
    case 'none':
      return { codec: 'UNCOMPRESSED', compress: undefined };
  }
}
