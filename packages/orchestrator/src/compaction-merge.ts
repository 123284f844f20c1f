/**
 * k-way merge of already-sorted Parquet files into one sorted stream of rows, with bounded
 * memory: each input is read through its own `ParquetReader` (one decoded row group and one batch
 * at a time), so a partition is never loaded whole. Memory is about k × (one decoded row group +
 * one batch) plus one output batch and the writer's buffers. Each input's order is checked on the
 * way: a row that sorts before the previous row of the same file stops the merge with
 * `E_UNSORTED` before anything is committed.
 */
import { EtlError, type Row } from '@etl/core';
import { ParquetReader } from '@etl/readers-parquet';
import { compareRows } from './compaction-order.js';

const READ_BATCH = 2048;
const WRITE_BATCH = 8192;

/** One input file and its place in the partition's file order (which breaks ties). */
export interface MergeFile {
  readonly file: string;
  readonly order: number;
}

function readRows(file: string): AsyncIterator<Row[]> {
  return new ParquetReader({ hive: false, followManifests: false, batchSize: READ_BATCH })
    .read(file)
    [Symbol.asyncIterator]();
}

/** Reads the files of one source (one file, or a chain of files whose key ranges follow each other) in turn. */
class Cursor {
  row: Row | undefined;
  private batch: Row[] = [];
  private at = 0;
  private fileAt = -1;
  private rows: AsyncIterator<Row[]> | undefined;
  /** 1-based row number of `row` in its file. */
  rowNumber = 0;

  constructor(private readonly files: readonly MergeFile[]) {}

  get file(): string {
    return this.files[Math.max(0, this.fileAt)]!.file;
  }

  /** Order of the file the current row comes from: ties between sources go to the earlier file. */
  get order(): number {
    return this.files[Math.max(0, this.fileAt)]!.order;
  }

  /** Moves to the next row; false at the end. */
  async next(): Promise<boolean> {
    while (this.at >= this.batch.length) {
      const r = this.rows ? await this.rows.next() : { done: true as const, value: undefined };
      if (r.done) {
        if (this.fileAt + 1 >= this.files.length) {
          this.row = undefined;
          return false;
        }
        this.fileAt++;
        this.rows = readRows(this.files[this.fileAt]!.file);
        this.rowNumber = 0;
        continue;
      }
      this.batch = r.value;
      this.at = 0;
    }
    this.row = this.batch[this.at++]!;
    this.rowNumber++;
    return true;
  }

  async close(): Promise<void> {
    await this.rows?.return?.();
  }
}

/** Min-heap of cursors by (current row's key, input index). */
class CursorHeap {
  readonly items: Cursor[] = [];
  constructor(private readonly key: readonly string[]) {}

  private less(a: Cursor, b: Cursor): boolean {
    const c = compareRows(this.key, a.row!, b.row!);
    return c < 0 || (c === 0 && a.order < b.order);
  }

  push(c: Cursor): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Restores the heap after the top cursor's row changed. */
  siftDown(): void {
    const h = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  popTop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown();
    }
  }
}

function unsorted(cursor: Cursor, key: readonly string[]): EtlError {
  return new EtlError(
    `${cursor.file}: row ${cursor.rowNumber} sorts before the row above it by (${key.join(', ')}); the file is not in time order, so its partition was not compacted`,
    'E_UNSORTED',
  );
}

export interface MergeOptions {
  readonly signal?: AbortSignal;
}

/**
 * Streams the rows of `sources` to `write` in `key` order, ties in file order. A source is a file
 * sorted by `key`, or a chain of such files each starting at or after the end of the previous one
 * (read one after the other: one cursor, one row group in memory). With an empty key the files
 * are concatenated. Returns the number of rows.
 */
export async function mergeSortedFiles(
  sources: readonly (readonly MergeFile[])[],
  key: readonly string[],
  write: (rows: Row[]) => Promise<void>,
  options: MergeOptions = {},
): Promise<number> {
  const cursors = sources.map((files) => new Cursor(files));
  const heap = new CursorHeap(key);
  let out: Row[] = [];
  let rows = 0;
  const emit = async (row: Row): Promise<void> => {
    out.push(row);
    rows++;
    if (out.length >= WRITE_BATCH) {
      if (options.signal?.aborted) throw new EtlError('compaction interrupted', 'E_ABORTED');
      const full = out;
      out = [];
      await write(full);
    }
  };
  try {
    if (key.length === 0) {
      for (const c of cursors) while (await c.next()) await emit(c.row!);
    } else {
      for (const c of cursors) if (await c.next()) heap.push(c);
      while (heap.items.length > 0) {
        const top = heap.items[0]!;
        const row = top.row!;
        await emit(row);
        if (await top.next()) {
          if (compareRows(key, top.row!, row) < 0) throw unsorted(top, key);
          heap.siftDown();
        } else heap.popTop();
      }
    }
    if (out.length > 0) await write(out);
    return rows;
  } finally {
    await Promise.all(cursors.map((c) => c.close().catch(() => {})));
  }
}
