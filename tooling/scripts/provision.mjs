#!/usr/bin/env node
// Installs the programs the tests start or call, before `pnpm test` runs them: on a fresh machine
// (Node 20 + npm, as root, Debian/Ubuntu) the README's test command then passes without set-up.
// Missing programs are installed with apt-get in one go, announced on one line. Without root or
// apt-get it installs nothing: it says what is missing and which tests will fail, and exits 0 so
// the other packages' tests still run. To add a requirement, add one entry to REQUIREMENTS.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** `command`: what the tests run; `apt`: the Debian package that provides it; `tests`: who needs it. */
const REQUIREMENTS = [
  { command: 'redis-server', apt: 'redis-server', tests: '@etl/queue-bullmq, @etl/cli (enqueue/worker)' },
  {
    command: 'nats-server',
    apt: 'nats-server',
    tests: '@etl/stream-nats, @etl/collector, @etl/cli (stream)',
  },
  { command: 'zstd', apt: 'zstd', tests: '@etl/readers-ndjson (.zst segments)' },
  { command: 'strace', apt: 'strace', tests: 'tests that trace the system calls a command makes' },
  { command: 'jq', apt: 'jq', tests: "@etl/examples (the READMEs' commands pipe `etl … --json` into jq)" },
  {
    command: 'chromium',
    apt: 'chromium',
    tests: '@etl/report (the HTML report is rendered in headless Chromium)',
  },
  // OpenStack Swift with its s3api middleware: the S3-compatible server the object storage tests start.
  ...['proxy', 'object', 'container', 'account'].map((server) => ({
    command: `swift-${server}-server`,
    apt: `swift-${server}`,
    tests: '@etl/storage-s3, @etl/cli, @etl/collector (s3:// inputs and outputs)',
  })),
];

const onPath = (command) =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

const missing = REQUIREMENTS.filter((r) => !onPath(r.command));
if (missing.length === 0) process.exit(0);

const aptPackages = (requirements) => [...new Set(requirements.map((r) => r.apt))];
const warnMissing = (requirements, why) => {
  const names = aptPackages(requirements);
  console.error(
    `provision: ${names.join(', ')} missing: ${why}; install with: apt-get install -y ${names.join(' ')}`,
  );
  for (const r of requirements) console.error(`  without ${r.command} these tests fail: ${r.tests}`);
};

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (process.env.ETL_NO_PROVISION) {
  warnMissing(missing, 'ETL_NO_PROVISION is set');
} else if (!isRoot) {
  warnMissing(missing, 'not installing them without root');
} else if (!onPath('apt-get')) {
  warnMissing(missing, 'no apt-get on this machine');
} else {
  const names = aptPackages(missing);
  console.log(
    `provision: installing ${names.join(' ')} with apt-get (the tests need ${names.length > 1 ? 'them' : 'it'})`,
  );
  const options = {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  };
  // Another apt-get (an unattended upgrade, a parallel job) may hold the lock: wait for it.
  const wait = ['-o', 'DPkg::Lock::Timeout=300'];
  let result = spawnSync('apt-get', [...wait, 'update', '-qq'], options);
  if (result.status === 0)
    result = spawnSync('apt-get', [...wait, 'install', '-y', '-qq', ...names], options);
  const stillMissing = missing.filter((r) => !onPath(r.command));
  if (stillMissing.length > 0) {
    const detail = (result.stderr ?? result.error?.message ?? '').trim().split('\n').slice(-3).join('\n  ');
    if (detail) console.error(`  apt-get: ${detail}`);
    warnMissing(stillMissing, 'apt-get could not install them');
  }
}
