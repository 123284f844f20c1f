/**
 * Connecting to NATS with settings that suit long-running market-data processes: reconnect
 * forever, a name that shows up in the server's connection list, and a clear error when the first
 * connection fails.
 */
import { EtlError, errorMessage } from '@etl/core';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectOptions {
  /** Shown in the server's connection list (`nats server report connections`). */
  readonly name?: string;
  /** Milliseconds to wait for the first connection (default 5000). */
  readonly timeoutMs?: number;
  /** Reconnect attempts after a lost connection (default -1: forever). */
  readonly maxReconnectAttempts?: number;
  /** Milliseconds between reconnect attempts (default 1000). */
  readonly reconnectWaitMs?: number;
  /**
   * Capture the call site of every request for its error messages (default false): the client
   * then builds two Error objects per JetStream publish, which costs more than the publish.
   */
  readonly asyncTraces?: boolean;
}

/** Splits `nats://a:4222,nats://b:4222` (or a list) into server URLs. */
function natsServers(url: string | readonly string[]): string[] {
  const list = typeof url === 'string' ? url.split(',') : [...url];
  const servers = list.map((s) => s.trim()).filter((s) => s.length > 0);
  if (servers.length === 0) throw new EtlError('no NATS server URL given', 'E_NATS_URL');
  return servers;
}

/** Connects to NATS; throws an `EtlError` (code `E_NATS_CONNECT`) naming the URL when it cannot. */
export async function connectNats(
  url: string | readonly string[],
  options: NatsConnectOptions = {},
): Promise<NatsConnection> {
  const servers = natsServers(url);
  try {
    return await connect({
      servers,
      ...(options.name ? { name: options.name } : {}),
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectWaitMs ?? 1000,
      noAsyncTraces: !(options.asyncTraces ?? false),
    });
  } catch (error) {
    throw new EtlError(
      `cannot connect to NATS at ${servers.join(',')}: ${errorMessage(error)}`,
      'E_NATS_CONNECT',
      {
        cause: error,
      },
    );
  }
}
