/** Shared by the reader's tests: scratch files, reading a whole file, and a zstd frame maker. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryQuarantine, type SourceRecord } from '@etl/core';
import { NDJSONReader } from '../ndjson-reader.js';
import type { NDJSONReaderOptions } from '../options.js';

/** A temporary directory of numbered test files. */
export class ScratchFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'ndjson-reader-'));
  private count = 0;

  /** Writes `content` to a fresh file and returns its path. */
  write(content: string | Buffer, suffix = '.ndjson'): string {
    const path = join(this.dir, `f${++this.count}${suffix}`);
    writeFileSync(path, content);
    return path;
  }

  /** Makes an empty directory and returns its path. */
  directory(name: string): string {
    const path = join(this.dir, name);
    mkdirSync(path);
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Reads `path` to the end with a fresh reader and a memory quarantine. */
export async function readAll(path: string, options: NDJSONReaderOptions = {}) {
  const quarantine = new MemoryQuarantine();
  const reader = new NDJSONReader({ quarantine, ...options });
  const records: SourceRecord[] = [];
  const batches: number[] = [];
  for await (const batch of reader.read(path)) {
    batches.push(batch.length);
    records.push(...batch);
  }
  return { records, batches, quarantine: quarantine.entries, stats: reader.stats(), reader };
}

export const lineValues = (records: readonly SourceRecord[]) => records.map((r) => [r.line, r.value]);

/** A zstd frame of raw (stored) blocks: valid zstd without needing a compressor. */
export function zstdRawFrame(data: Buffer): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]); // no checksum, 128 KiB window
  const parts: Buffer[] = [header];
  const blockMax = 128 * 1024;
  let at = 0;
  do {
    const size = Math.min(blockMax, data.length - at);
    const last = at + size >= data.length ? 1 : 0;
    const h = (size << 3) | last; // block type 0 = raw
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), data.subarray(at, at + size));
    at += size;
  } while (at < data.length);
  return Buffer.concat(parts);
}

/** The rejection of `promise`; fails when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
