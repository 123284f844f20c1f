/**
 * tooling/scripts/provision.mjs, which `pnpm test` runs first: on a machine where it cannot install
 * (no apt-get, or not root) it installs nothing, says what is missing and which tests will fail,
 * and exits 0 so that the other packages' tests still run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO } from './readme-blocks.js';

const bin = mkdtempSync(path.join(tmpdir(), 'etl-provision-'));
symlinkSync(process.execPath, path.join(bin, 'node'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const provision = (env: Record<string, string>) =>
  spawnSync(path.join(bin, 'node'), [path.join(REPO, 'tooling/scripts/provision.mjs')], {
    encoding: 'utf8',
    env: { PATH: bin, ...env },
  });

it('without apt-get: names every missing program and the tests that need it, and exits 0', () => {
  const r = provision({});
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(
    'redis-server, nats-server, zstd, strace, jq, chromium, swift-proxy, swift-object, swift-container, swift-account missing: no apt-get on this machine',
  );
  expect(r.stderr).toContain(
    'install with: apt-get install -y redis-server nats-server zstd strace jq chromium swift-proxy swift-object swift-container swift-account',
  );
  expect(r.stderr).toContain('without nats-server these tests fail: @etl/stream-nats');
  expect(r.stderr).toContain('without redis-server these tests fail: @etl/queue-bullmq');
});

it('ETL_NO_PROVISION=1 installs nothing and says so', () => {
  const r = provision({ ETL_NO_PROVISION: '1' });
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('missing: ETL_NO_PROVISION is set');
});
