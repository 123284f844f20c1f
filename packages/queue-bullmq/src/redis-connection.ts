/**
 * Redis locations as users write them (`redis://host:port`, `rediss://…`, `redis+unix:///sock`,
 * `unix:///sock`) and the plain connection options BullMQ and ioredis take. Options stay plain
 * data so they can cross into the sandboxed worker threads.
 */
import { ConfigError, EtlError, errorMessage } from '@etl/core';
import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  readonly host?: string;
  readonly port?: number;
  /** Unix socket path; when set, host and port are unused. */
  readonly path?: string;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
  /** TLS (`rediss://`): options for `tls.connect`, usually empty. */
  readonly tls?: Readonly<Record<string, unknown>>;
}

const DEFAULT_PORT = 6379;

function parseDb(value: string | null, key: string, url: string): number | undefined {
  if (value === null || value === '') return undefined;
  const db = Number(value);
  if (!Number.isInteger(db) || db < 0 || db > 65535 || String(db) !== value) {
    throw new ConfigError(
      key,
      `bad database number ${JSON.stringify(value)} in ${url} (expected redis://host:port/<0-65535>)`,
    );
  }
  return db;
}

function credentials(u: URL): { username?: string; password?: string } {
  const out: { username?: string; password?: string } = {};
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const fromQuery = u.searchParams.get('password');
  if (fromQuery) out.password = fromQuery;
  return out;
}

/**
 * Parses a Redis URL; throws a {@link ConfigError} under `key` (the option or flag the URL came
 * from) for anything else, so a CLI can answer "bad usage".
 */
export function parseRedisUrl(url: string, key = 'queue'): RedisConnectionOptions {
  const expected =
    'expected redis://host:port[/db], rediss://…, redis+unix:///path/to/socket or unix:///path/to/socket';
  if (typeof url !== 'string' || !url.trim()) throw new ConfigError(key, `missing Redis URL (${expected})`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(key, `${JSON.stringify(url)} is not a URL (${expected})`);
  }
  switch (u.protocol) {
    case 'redis:':
    case 'rediss:': {
      const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      if (!host) throw new ConfigError(key, `no host in ${JSON.stringify(url)} (${expected})`);
      const port = u.port ? Number(u.port) : DEFAULT_PORT;
      const dbPath = u.pathname.replace(/^\/+/, '');
      const db = parseDb(dbPath || u.searchParams.get('db'), key, url);
      return {
        host,
        port,
        ...(db !== undefined ? { db } : {}),
        ...credentials(u),
        ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      };
    }
    case 'redis+unix:':
    case 'unix:': {
      if (u.hostname) {
        throw new ConfigError(
          key,
          `a socket URL takes an absolute path with three slashes, e.g. unix:///run/redis.sock; got ${JSON.stringify(url)}`,
        );
      }
      const socket = decodeURIComponent(u.pathname);
      if (!socket || socket === '/')
        throw new ConfigError(key, `no socket path in ${JSON.stringify(url)} (${expected})`);
      const db = parseDb(u.searchParams.get('db'), key, url);
      return { path: socket, ...(db !== undefined ? { db } : {}), ...credentials(u) };
    }
    default:
      throw new ConfigError(
        key,
        `unsupported scheme ${JSON.stringify(u.protocol)} in ${JSON.stringify(url)} (${expected})`,
      );
  }
}

/** The connection for logs and errors, password masked. */
export function describeRedis(options: RedisConnectionOptions): string {
  const db = options.db !== undefined ? `/${options.db}` : '';
  if (options.path) return `unix://${options.path}${db}`;
  const auth = options.password ? `${options.username ?? ''}:***@` : '';
  return `${options.tls ? 'rediss' : 'redis'}://${auth}${options.host}:${options.port ?? DEFAULT_PORT}${db}`;
}

/** Accepts a URL or ready options. */
export function toConnectionOptions(
  connection: string | RedisConnectionOptions,
  key = 'queue',
): RedisConnectionOptions {
  return typeof connection === 'string' ? parseRedisUrl(connection, key) : connection;
}

/**
 * Connects once without retrying and returns the server version. BullMQ's own connections retry
 * forever, so a wrong address would otherwise hang instead of failing with a message.
 */
export async function checkRedis(options: RedisConnectionOptions, timeoutMs = 5000): Promise<string> {
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // Without a listener, ioredis reports connection errors on the console.
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    return version;
  } catch (error) {
    throw new EtlError(
      `cannot reach Redis at ${describeRedis(options)}: ${errorMessage(error)}`,
      'E_QUEUE_UNREACHABLE',
      { cause: error },
    );
  } finally {
    client.disconnect();
  }
}
