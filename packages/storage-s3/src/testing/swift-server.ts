/**
 * A real S3-compatible server for tests: OpenStack Swift with its s3api middleware (Debian's
 * `swift-proxy swift-object swift-container swift-account`), on loopback ports, with every file
 * under one temporary directory. One account (`test:tester`, secret `swift-test-secret-5c1e`), one replica.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a started server answers and how to sign in: what the AWS environment variables hold. */
export interface SwiftServerInfo {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SwiftServer extends SwiftServerInfo {
  /** The standard AWS variables pointing at this server (for child processes). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const SERVERS = ['account', 'container', 'object'] as const;

/** The environment a client needs to reach `info`'s server, with a custom endpoint. */
export function awsEnvironment(info: SwiftServerInfo): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: info.endpoint,
    AWS_REGION: info.region,
    AWS_ACCESS_KEY_ID: info.accessKeyId,
    AWS_SECRET_ACCESS_KEY: info.secretAccessKey,
  };
}

/** Whether the Swift servers are installed on this machine. */
export async function swiftInstalled(): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v swift-proxy-server swift-object-server swift-ring-builder']);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function serverConf(dir: string, devices: string, port: number, kind: string): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
mount_check = false
swift_dir = ${dir}
devices = ${devices}
log_facility = LOG_LOCAL2
log_level = WARNING

[pipeline:main]
pipeline = ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}

[${kind}-replicator]
[${kind}-updater]
[${kind}-auditor]
`;
}

function proxyConf(dir: string, port: number, user: string, key: string): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
swift_dir = ${dir}
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
allow_account_management = true
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_${user.replace(':', '_')} = ${key} .admin

[filter:s3api]
use = egg:swift#s3api

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:cache]
use = egg:swift#memcache

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
`;
}

/**
 * Starts Swift under a new temporary directory and resolves once the proxy and every backend
 * answer (the proxy's healthcheck answers before the backends listen). Takes 10-25 s on a
 * loaded machine: share one server between test files.
 */
export async function startSwiftServer(options: { readyTimeoutMs?: number } = {}): Promise<SwiftServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-swift-'));
  const devices = path.join(dir, 'srv');
  await mkdir(path.join(devices, 'd1'), { recursive: true });
  await writeFile(
    path.join(dir, 'swift.conf'),
    '[swift-hash]\nswift_hash_path_prefix = etl\nswift_hash_path_suffix = test\n\n[storage-policy:0]\nname = gold\ndefault = yes\n',
  );
  const ports = { proxy: await freePort(), account: 0, container: 0, object: 0 };
  for (const kind of SERVERS) ports[kind] = await freePort();
  for (const kind of SERVERS) {
    const builder = path.join(dir, `${kind}.builder`);
    await run('swift-ring-builder', [builder, 'create', '6', '1', '0']);
    await run('swift-ring-builder', [builder, 'add', `r1z1-127.0.0.1:${ports[kind]}/d1`, '1']);
    // rebalance exits 1 with warnings on a one-device ring; the ring is written all the same.
    await run('swift-ring-builder', [builder, 'rebalance']).catch((error: { code?: number }) => {
      if (error.code !== 1) throw error;
    });
    await writeFile(path.join(dir, `${kind}-server.conf`), serverConf(dir, devices, ports[kind], kind));
  }
  const user = 'test:tester';
  const key = 'swift-test-secret-5c1e';
  await writeFile(path.join(dir, 'proxy-server.conf'), proxyConf(dir, ports.proxy, user, key));

  const children: ChildProcess[] = [];
  const output: string[] = [];
  const env = { ...process.env, SWIFT_CONF_FILE: path.join(dir, 'swift.conf') };
  for (const kind of [...SERVERS, 'proxy'] as const) {
    const child = spawn(`swift-${kind}-server`, [path.join(dir, `${kind}-server.conf`)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output.push(`${kind}: ${chunk.toString().trimEnd()}`);
      if (output.length > 50) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
  }
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  const endpoint = `http://127.0.0.1:${ports.proxy}`;
  for (;;) {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited) {
      await stop();
      throw new Error(
        `a Swift server exited during start-up (${exited.spawnargs[0]}):\n${output.join('\n')}`,
      );
    }
    const up = await Promise.all(Object.values(ports).map(listening));
    if (up.every(Boolean) && (await healthy(endpoint))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Swift did not start within the timeout:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const info = { endpoint, region: 'us-east-1', accessKeyId: user, secretAccessKey: key };
  return { ...info, env: awsEnvironment(info), stop };
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/healthcheck`);
    return response.ok;
  } catch {
    return false;
  }
}
