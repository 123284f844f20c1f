/** Messages between a session's thread and the encode worker (see encode-pool.ts). */
import type { ColumnChunk } from './column-chunk.js';
import type { FileEncodingSpec } from './parquet-file-encoder.js';

export type EncodeRequest =
  /** Starts a file on an already open descriptor (the caller's thread opened it). */
  | {
      readonly op: 'open';
      readonly seq: number;
      readonly file: number;
      readonly fd: number;
      readonly spec: FileEncodingSpec;
      /**
       * Files of one session share a spec id: the worker keeps one copy of the spec per id while
       * files use it, not one per file (thousands of partitions, thousands of open files).
       */
      readonly specId: number;
    }
  | {
      readonly op: 'rows';
      readonly seq: number;
      readonly file: number;
      readonly rows: number;
      readonly chunks: ColumnChunk[];
    }
  /**
   * The file's descriptor was closed to stay under the open-file cap and opened again (append
   * mode): later requests of the file write to `fd`.
   */
  | { readonly op: 'descriptor'; readonly seq: number; readonly file: number; readonly fd: number }
  /** Writes the footer; the reply carries the file size. */
  | { readonly op: 'finish'; readonly seq: number; readonly file: number }
  /** Forgets the file without finishing it; nothing is written to its descriptor afterwards. */
  | { readonly op: 'drop'; readonly seq: number; readonly file: number };

export interface EncodeReply {
  readonly seq: number;
  /** Set when the request failed. */
  readonly error?: string;
  /** `finish`: bytes in the file. */
  readonly bytes?: number;
  /** `rows`: the column buffers, handed back for reuse. */
  readonly buffers?: ArrayBuffer[];
}
