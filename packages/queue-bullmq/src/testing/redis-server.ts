/**
 * A private `redis-server` for tests: on a unix socket in a fresh directory (TCP off, so no
 * port races), no persistence. Honours `REDIS_URL` to use a server that is already running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RedisTestServer {
  /** `redis+unix:///…/redis.sock`, or `REDIS_URL` when set. */
  readonly url: string;
  /** Pid of the spawned server; undefined when `REDIS_URL` was used. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface RedisTestServerOptions {
  /** The server binary (default `redis-server` on the PATH). */
  readonly binary?: string;
  /** Ignore `REDIS_URL` and always spawn. */
  readonly spawnAlways?: boolean;
  readonly timeoutMs?: number;
}

const READY = 'ready to accept connections';

export async function startRedisServer(options: RedisTestServerOptions = {}): Promise<RedisTestServer> {
  const external = process.env.REDIS_URL;
  if (external && !options.spawnAlways) return { url: external, pid: undefined, stop: async () => {} };
  // Socket paths are limited to ~107 bytes: keep the directory short.
  const dir = mkdtempSync(path.join(tmpdir(), 'etl-redis-'));
  const socket = path.join(dir, 'redis.sock');
  const binary = options.binary ?? 'redis-server';
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      '0',
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${binary} did not get ready within ${options.timeoutMs ?? 10_000} ms:\n${log}`)),
        options.timeoutMs ?? 10_000,
      );
      const done = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      child.once('error', (error: NodeJS.ErrnoException) => {
        done(
          error.code === 'ENOENT'
            ? new Error(
                `${binary} not found: install Redis (Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_URL`,
              )
            : error,
        );
      });
      child.once('exit', (code, signal) =>
        done(new Error(`${binary} exited (${code ?? signal}) before it was ready:\n${log}`)),
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8');
        if (log.includes(READY)) done();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8');
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  child.removeAllListeners('exit');
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `redis+unix://${socket}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
