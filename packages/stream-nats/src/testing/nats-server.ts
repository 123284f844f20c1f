/**
 * Starts a throw-away `nats-server` with JetStream for tests and benchmarks (about 15 ms), or
 * uses the server named by `NATS_URL` when that is set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EtlError } from '@etl/core';

export interface NatsTestServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** The server process (undefined when `NATS_URL` is used). */
  readonly process: ChildProcess | undefined;
  /** Stops the server and removes its storage directory. */
  stop(): Promise<void>;
}

export interface StartNatsServerOptions {
  /** The server binary (default `nats-server` on the PATH). */
  readonly bin?: string;
  /** Storage directory for JetStream (default: a new temporary directory, removed on stop). */
  readonly storeDir?: string;
  /** Ignore `NATS_URL` and always start a server (default false). */
  readonly ignoreEnv?: boolean;
  /** Milliseconds to wait for "Server is ready" (default 10 000). */
  readonly timeoutMs?: number;
  /**
   * Largest message the server accepts, in bytes (default 8 MiB). The NATS default of 1 MiB is
   * too small for Coinbase's full-depth level2 snapshots (5 MB for BTC-USD).
   */
  readonly maxPayload?: number;
}

export const NATS_INSTALL_HINT =
  'nats-server was not found on the PATH: install it with `apt-get install -y nats-server` (Debian/Ubuntu package "nats-server"), or set NATS_URL to a running server with JetStream enabled';

export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsTestServer> {
  const fromEnv = process.env.NATS_URL;
  if (fromEnv && !options.ignoreEnv) {
    return { url: fromEnv, process: undefined, stop: async () => {} };
  }
  const ownDir = options.storeDir === undefined;
  const dir = options.storeDir ?? mkdtempSync(path.join(tmpdir(), 'etl-nats-'));
  const config = path.join(dir, 'nats.conf');
  writeFileSync(config, `max_payload: ${options.maxPayload ?? 8 * 1024 * 1024}\n`);
  const args = ['-c', config, '-a', '127.0.0.1', '-p', '-1', '-js', '-sd', path.join(dir, 'js')];
  const child = spawn(options.bin ?? 'nats-server', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    let log = '';
    let port: string | undefined;
    const done = (): void => {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      child.stderr!.off('data', onData);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      done();
      reject(error.code === 'ENOENT' ? new EtlError(NATS_INSTALL_HINT, 'E_NATS_SERVER') : error);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(
        new EtlError(
          `nats-server exited with code ${code} before it was ready:\n${log.slice(-2000)}`,
          'E_NATS_SERVER',
        ),
      );
    };
    const onData = (chunk: string): void => {
      if (log.length < 64_000) log += chunk;
      const m = /Listening for client connections on ([\d.]+):(\d+)/.exec(log);
      if (m) port = m[2];
      if (port !== undefined && log.includes('Server is ready')) {
        done();
        resolve(`nats://127.0.0.1:${port}`);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new EtlError(
          `nats-server did not become ready within ${options.timeoutMs ?? 10_000} ms:\n${log.slice(-2000)}`,
          'E_NATS_SERVER',
        ),
      );
    }, options.timeoutMs ?? 10_000);
    child.on('error', onError);
    child.on('exit', onExit);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', onData);
  }).catch(async (error: unknown) => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  // Keep draining stderr so the server never blocks on a full pipe.
  child.stderr!.resume();
  return { url, process: child, stop };
}
