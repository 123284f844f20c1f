/**
 * A broker process the tests can SIGKILL and start again on the same port and (for nats-server)
 * the same store directory, as an operator's restart would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** A TCP port that was free a moment ago. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RestartableBroker {
  readonly url: string;
  /** Starts the process and resolves once it accepts clients. */
  start(): Promise<void>;
  /** SIGKILL, no chance to flush or say goodbye. */
  kill(): Promise<void>;
  readonly running: boolean;
}

function restartable(
  url: string,
  bin: string,
  args: readonly string[],
  ready: RegExp,
  output: 'stdout' | 'stderr',
): RestartableBroker {
  let child: ChildProcess | undefined;
  return {
    url,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      // The port can stay busy for a moment after a kill: try a few times.
      for (let attempt = 0; ; attempt++) {
        const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const ok = await new Promise<boolean>((resolve, reject) => {
          let log = '';
          const timer = setTimeout(() => reject(new Error(`${bin} not ready:\n${log}`)), 20_000);
          c.once('error', reject);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve(false);
          });
          c[output]!.setEncoding('utf8').on('data', (d: string) => {
            log += d;
            if (ready.test(log)) {
              clearTimeout(timer);
              resolve(true);
            }
          });
        });
        c.stdout!.resume();
        c.stderr!.resume();
        if (ok) {
          child = c;
          return;
        }
        if (attempt >= 20) throw new Error(`${bin} ${args.join(' ')} would not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.kill('SIGKILL');
      await closed;
    },
  };
}

/** nats-server with file-backed JetStream in `dir`, on a fixed port. */
export async function natsBroker(dir: string): Promise<RestartableBroker> {
  const port = await freePort();
  const config = path.join(dir, 'nats.conf');
  writeFileSync(config, 'max_payload: 8MB\n');
  const args = ['-c', config, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', path.join(dir, 'js')];
  return restartable(`nats://127.0.0.1:${port}`, 'nats-server', args, /Server is ready/, 'stderr');
}

/** redis-server without persistence (as the finding had it), on a fixed port. */
export async function redisBroker(dir: string): Promise<RestartableBroker> {
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  return restartable(
    `redis://127.0.0.1:${port}`,
    'redis-server',
    args,
    /Ready to accept connections/,
    'stdout',
  );
}
