import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl } from './helpers.js';
import { generatedSegments } from './workspace.js';

const root = mkdtempSync(path.join(tmpdir(), 'etl-threads-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let segment = '';
beforeAll(async () => {
  const source = path.join(root, 'generated');
  mkdirSync(source);
  // Above the 16 MiB a segment needs before it is worth reading with worker threads.
  const [name] = await generatedSegments(source, 1, 18 * 1024 * 1024);
  segment = path.join(source, name!);
}, 300_000);

async function convert(threads: string) {
  const dir = path.join(root, `threads-${threads}`);
  const ready = path.join(dir, 'ready');
  mkdirSync(ready, { recursive: true });
  copyFileSync(segment, path.join(ready, path.basename(segment)));
  const output = path.join(dir, 'processed');
  const r = await etl([
    'run',
    '--input',
    ready,
    '--output',
    output,
    '--threads',
    threads,
    '--json',
    '--log-level',
    'debug',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const manifest = JSON.parse(
    readFileSync(
      path.join(output, 'coinbase', '_manifests', `${path.basename(segment, '.ndjson')}.json`),
      'utf8',
    ),
  ) as { input: { sha256: string; lines: number; bytes: number } };
  return { output, stderr: r.stderr, summary: JSON.parse(r.stdout), input: manifest.input };
}

describe('etl run --threads', () => {
  it('writes with worker threads exactly what one thread writes', async () => {
    const one = await convert('1');
    const two = await convert('2');
    expect(one.stderr).not.toContain('segment read by worker threads');
    expect(two.stderr).toContain('segment read by worker threads');
    expect({ ...two.input, mtimeMs: 0 }).toEqual({ ...one.input, mtimeMs: 0 });
    expect(two.summary.lines).toBe(one.summary.lines);
    expect(two.summary.bytes_in).toBe(one.summary.bytes_in);
    const db = await duckdb();
    for (const dataset of ['level2', 'market_trades', 'ticker', 'quality']) {
      const d = await datasetDifference(db, one.output, two.output, dataset);
      expect(d.rows, dataset).toBeGreaterThan(0);
      expect(d, dataset).toEqual({ dataset, rows: d.rows, missing: 0, extra: 0 });
    }
  }, 600_000);

  it('refuses a --threads that is not a whole number from 1 to 64 (exit 2)', async () => {
    for (const bad of ['0', '65', '1.5', 'two']) {
      const r = await etl(['run', '--input', root, '--output', path.join(root, 'out'), '--threads', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--threads must be a whole number from 1 to 64');
    }
  });
});
