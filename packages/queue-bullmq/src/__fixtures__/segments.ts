/**
 * Test input: the real Advanced Trade capture split into consecutive segments, as a collector
 * rotating files would have written it (the first one holds the full-depth book snapshot).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FIXTURE_SEGMENT = path.resolve(
  import.meta.dirname,
  '../../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson',
);

/** Writes `parts` segment files `segment_20260809T21_0000N.ndjson` into `dir`; returns their paths. */
export function splitFixtureSegment(dir: string, parts = 5): string[] {
  const lines = readFileSync(FIXTURE_SEGMENT, 'utf8').split('\n').filter(Boolean);
  mkdirSync(dir, { recursive: true });
  const size = Math.ceil(lines.length / parts);
  const files: string[] = [];
  for (let i = 0; i < parts; i++) {
    const file = path.join(dir, `segment_20260809T21_${String(i + 1).padStart(5, '0')}.ndjson`);
    writeFileSync(file, `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`);
    files.push(file);
  }
  return files;
}
