/**
 * `pnpm etl …` from the repository root prints only the CLI's output: no pnpm banner
 * ("> etl-monorepo@ etl …") before it, so `--json` output parses and `--csv > file` is clean.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO } from './readme-blocks.js';

const SAMPLE = path.join(REPO, 'tooling/fixtures/sample/ready/coinbase/segment_20260809T21_00001.ndjson');
const work = mkdtempSync(path.join(tmpdir(), 'etl-pnpm-etl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pnpmEtl = (args: string[]) =>
  spawnSync('pnpm', ['etl', ...args], { cwd: REPO, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 26 });

it('pnpm etl run --json prints exactly one JSON object on stdout, and exits 0', () => {
  const ready = path.join(work, 'raw/ready/coinbase');
  mkdirSync(ready, { recursive: true });
  copyFileSync(SAMPLE, path.join(ready, path.basename(SAMPLE)));
  const output = path.join(work, 'processed');
  const r = pnpmEtl(['run', '--input', ready, '--output', output, '--json']);
  expect(r.status, r.stderr).toBe(0);
  const summary = JSON.parse(r.stdout);
  expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
  expect(summary.datasets.level2).toMatchObject({ rows: 47930, files: 1 });
  expect(summary.datasets.market_trades).toMatchObject({ rows: 147, files: 1 });

  // And a CSV redirected to a file starts with its header.
  const csv = pnpmEtl([
    'query',
    'SELECT trade_id FROM market_trades ORDER BY 1 LIMIT 2',
    '--output',
    output,
    '--csv',
  ]);
  expect(csv.status, csv.stderr).toBe(0);
  expect(csv.stdout.split('\n')[0]).toBe('trade_id');
  expect(csv.stdout.trim().split('\n')).toHaveLength(3);
});

it('pnpm etl passes the exit code through: bad usage is exit 2', () => {
  const r = pnpmEtl(['run', '--no-such-option']);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
});
