/**
 * Reads chosen lines of a segment back as text, for quarantine entries that must hold a line
 * exactly as it was (see QuarantineSpool.finish).
 */
import { NDJSONReader } from '@etl/readers-ndjson';
import type { ExactLines } from './quarantine-spool.js';

/** The exact text of the wanted lines of `file` (plain or compressed), in file order. */
export function exactLinesOf(file: string): ExactLines {
  return async function* (wanted) {
    // 'text' decoding: no parsing; lines that are not valid UTF-8 were quarantined by the reader.
    const reader = new NDJSONReader({ decode: 'text', batchSize: 512 });
    let left = wanted.size;
    for await (const batch of reader.read(file)) {
      for (const record of batch) {
        if (!wanted.has(record.line)) continue;
        yield { line: record.line, text: record.value as string };
        if (--left === 0) return;
      }
    }
  };
}
