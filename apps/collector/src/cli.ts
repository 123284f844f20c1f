/** `etl-collector`: runs the collector until SIGINT/SIGTERM. Resolves to the exit code. */

import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  EtlError,
  errorMessage,
  isObjectStorageUrl,
  type Logger,
  type LogLevel,
} from '@etl/core';
import { ConsoleLogger } from '@etl/core/internal';
import {
  connectNats,
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  ensureMarketDataStream,
  type NatsConnection,
} from '@etl/stream-nats';
import { COINBASE_ADVANCED_TRADE_URL, Collector } from './collector.js';
import { resolveCollectorConfig } from './collector-config.js';
import { SegmentShipper } from './segment-shipper.js';

/** The shipper of `--upload <url>`: segments of `<output>/ready/coinbase` to `<url>/ready/coinbase`. */
async function segmentShipper(
  url: string,
  outputDir: string | undefined,
  logger: Logger,
): Promise<SegmentShipper> {
  if (!outputDir)
    throw new ConfigError('--upload', 'needs --output <raw-dir>: segments are written there first');
  if (!isObjectStorageUrl(url)) throw new ConfigError('--upload', `expected s3://bucket/prefix, got ${url}`);
  const { S3ObjectStorage } = await import('@etl/storage-s3');
  const remote = S3ObjectStorage.fromUrl(`${url.replace(/\/+$/, '')}/ready/coinbase`);
  return new SegmentShipper(remote, path.join(outputDir, 'ready', 'coinbase'), logger);
}

export const COLLECTOR_HELP = `etl-collector — capture the Coinbase Advanced Trade WebSocket feed

Usage:
  etl-collector --products BTC-USD,ETH-USD [--output <raw-dir>] [--nats <nats-url>]
                [--channels level2,market_trades,ticker,heartbeats] [--url ${COINBASE_ADVANCED_TRADE_URL}]
                [--max-segment-bytes N] [--max-segment-age <s>] [--stream ${DEFAULT_STREAM}]
                [--subject-prefix ${DEFAULT_SUBJECT_PREFIX}] [--upload s3://bucket/raw] [--config <file>] [--json]
                [--log-format text|json] [--log-level debug|info|warn|error]

--output writes segments to <raw-dir>/active/coinbase, moved to <raw-dir>/ready/coinbase when
closed (the input of \`etl run\`/\`etl watch\`). --nats publishes every frame to JetStream subjects
<prefix>.<channel>.<product> (the input of \`etl stream\`). Give one or both.
--upload (with --output) streams each closed segment to <url>/ready/coinbase/ as a multipart
upload (visible only once complete), then deletes the local copy; AWS settings from the environment.
Exit codes: 0 stopped by a signal, 1 failure, 2 bad usage or config.
`;

const OPTIONS = {
  config: { type: 'string' },
  url: { type: 'string' },
  products: { type: 'string' },
  channels: { type: 'string' },
  output: { type: 'string' },
  'max-segment-bytes': { type: 'string' },
  'max-segment-age': { type: 'string' },
  nats: { type: 'string' },
  stream: { type: 'string' },
  'subject-prefix': { type: 'string' },
  upload: { type: 'string' },
  json: { type: 'boolean' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CollectorIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const MIN_PAYLOAD_HINT = 8 * 1024 * 1024;

export async function collectorMain(argv: string[], io: CollectorIO, signal: AbortSignal): Promise<number> {
  let values: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true }>
  >['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    io.stderr.write(`etl-collector: ${errorMessage(error)}\nRun "etl-collector --help" for usage.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(COLLECTOR_HELP);
    return 0;
  }
  let nats: NatsConnection | undefined;
  try {
    const format = values['log-format'] ?? 'text';
    if (format !== 'text' && format !== 'json') throw new ConfigError('--log-format', 'must be text or json');
    const level = (values['log-level'] ?? 'info') as LogLevel;
    if (!['debug', 'info', 'warn', 'error'].includes(level))
      throw new ConfigError('--log-level', 'must be debug, info, warn or error');
    const logger = new ConsoleLogger(format, level, io.stderr);
    const config = await resolveCollectorConfig(values);
    const prefix = config.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    if (config.natsUrl) {
      nats = await connectNats(config.natsUrl, { name: 'etl-collector' });
      const maxPayload = nats.info?.max_payload ?? 0;
      if (maxPayload < MIN_PAYLOAD_HINT) {
        logger.warn(
          `the NATS server's max_payload is ${maxPayload} bytes: full-depth level2 snapshots (5 MB for BTC-USD) will not fit; set "max_payload: 8MB" in its config`,
        );
      }
      await ensureMarketDataStream(nats, {
        name: config.stream ?? DEFAULT_STREAM,
        subjects: [`${prefix}.>`],
        ...(config.streamMaxAgeS ? { maxAgeMs: config.streamMaxAgeS * 1000 } : {}),
        logger,
      });
    }
    // Object storage (issue 17): closed segments go on to s3://…/ready/coinbase/, see segment-shipper.ts.
    const shipper = values.upload ? await segmentShipper(values.upload, config.outputDir, logger) : undefined;
    const collector = new Collector({
      ...(config.url ? { url: config.url } : {}),
      products: config.products,
      ...(config.channels ? { channels: config.channels } : {}),
      ...(config.outputDir
        ? {
            segments: {
              root: config.outputDir,
              ...(config.maxSegmentBytes ? { maxBytes: config.maxSegmentBytes } : {}),
              ...(config.maxSegmentAgeS ? { maxAgeMs: config.maxSegmentAgeS * 1000 } : {}),
              ...(shipper ? { onClose: (file: string) => shipper.enqueue(file) } : {}),
            },
          }
        : {}),
      ...(nats ? { nats: { connection: nats, subjectPrefix: prefix } } : {}),
      reconnect: {
        ...(config.initialDelayMs ? { initialDelayMs: config.initialDelayMs } : {}),
        ...(config.maxDelayMs ? { maxDelayMs: config.maxDelayMs } : {}),
      },
      ...(config.idleTimeoutMs ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
      logger,
    });
    signal.addEventListener('abort', () => void collector.stop(), { once: true });
    await shipper?.start();
    await collector.start();
    const shipped = await shipper?.drain();
    if (shipped?.failed) return 1;
    const stats = collector.stats();
    if (values.json) {
      io.stdout.write(`${JSON.stringify(stats)}\n`);
    } else {
      logger.info('collector stopped', {
        frames: stats.recordsIn,
        connections: collector.connections,
        reconnects: stats.counters.reconnects ?? 0,
        shed: stats.errors,
      });
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`etl-collector: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(
      `etl-collector: ${error instanceof EtlError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    return 1;
  } finally {
    await nats?.drain().catch(() => nats?.close());
  }
}
