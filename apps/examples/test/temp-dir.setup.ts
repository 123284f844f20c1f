import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Vitest global setup: the examples' temporary work directories (and anything else the tests put in
 * the system's temporary directory) go into one directory that is removed after the run.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'etl-examples-test-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
