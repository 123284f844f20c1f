/**
 * A small JSON-lines reader for testing the reader suite: correct by default, and with `bug`
 * set, broken in one realistic way each.
 */
import { type FileHandle, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Reader, Row } from '../../reader.js';
import { type Stats, StatsCollector } from '../../stats.js';
import type { ReaderInput } from '../reader-conformance.js';

export type ReaderBug =
  | 'leaks the file on early return'
  | 'yields an empty last batch'
  | 'ignores batchSize'
  | 'drops the last record'
  | 'resets stats on every read'
  | 'counts no bytes'
  | 'says nothing for a missing input'
  | 'does not name a missing input';

export class JsonLinesReader implements Reader<Row> {
  private collector = new StatsCollector('json-lines');

  constructor(
    private readonly batchSize = 64,
    private readonly bug?: ReaderBug,
  ) {}

  stats(): Stats {
    return this.collector.snapshot();
  }

  async *read(path: string): AsyncGenerator<Row[]> {
    if (this.bug === 'resets stats on every read') this.collector = new StatsCollector('json-lines');
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (this.bug === 'says nothing for a missing input') return;
      if (this.bug === 'does not name a missing input') throw new Error('input not found');
      throw new Error(`cannot read ${path}: ${(error as Error).message}`);
    }
    const leak = this.bug === 'leaks the file on early return';
    let finished = false;
    try {
      const size = this.batchSize * (this.bug === 'ignores batchSize' ? 2 : 1);
      let batch: Row[] = [];
      let rest = '';
      const buffer = Buffer.alloc(4096);
      const decoder = new StringDecoder('utf8');
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        if (this.bug !== 'counts no bytes') this.collector.bytesIn += bytesRead;
        const lines = (rest + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') continue;
          this.collector.recordsIn++;
          batch.push(JSON.parse(line) as Row);
          if (batch.length === size) {
            this.collector.recordsOut += batch.length;
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0 && this.bug === 'drops the last record') batch.pop();
      if (batch.length > 0) {
        this.collector.recordsOut += batch.length;
        yield batch;
      }
      if (this.bug === 'yields an empty last batch') yield [];
      finished = true;
    } finally {
      if (!leak || finished) await handle.close();
    }
  }
}

/** Writes rows as JSON lines (multi-byte characters make a line longer in bytes than in chars). */
export async function writeJsonLines(records: readonly Row[], dir: string): Promise<ReaderInput> {
  const path = join(dir, 'records.jsonl');
  const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
  await writeFile(path, text);
  return { path, bytesIn: Buffer.byteLength(text) };
}
