/**
 * Test-only: reads the real Coinbase captures in tooling/fixtures/coinbase line by line into
 * SourceRecords, without depending on a reader package.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SourceRecord } from '@etl/core';

const FIXTURE_DIR = fileURLToPath(new URL('../../../../tooling/fixtures/coinbase/', import.meta.url));

export const SEGMENT = 'segment_20260809T21_00001.ndjson';

/** Non-empty lines of a fixture file, in order. */
export async function readFixtureLines(name: string): Promise<string[]> {
  const lines: string[] = [];
  const input = createInterface({ input: createReadStream(FIXTURE_DIR + name, 'utf8'), crlfDelay: Infinity });
  for await (const line of input) if (line.length > 0) lines.push(line);
  return lines;
}

/** One SourceRecord per line (value = parsed JSON), as the NDJSON reader would make them. */
export async function readFixtureRecords(name: string): Promise<SourceRecord[]> {
  const lines = await readFixtureLines(name);
  return lines.map((line, i) => ({
    file: name,
    line: i + 1,
    bytes: Buffer.byteLength(line) + 1,
    value: JSON.parse(line) as unknown,
  }));
}

/** A SourceRecord of a crafted value. */
export function record(value: unknown, line = 1, file = 'crafted.ndjson'): SourceRecord {
  return { file, line, bytes: 0, value };
}
