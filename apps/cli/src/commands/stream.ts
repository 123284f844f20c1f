/**
 * `etl stream`: the live path. Reads the collector's frames from a JetStream stream, runs the
 * Coinbase processors continuously (books stay live), writes Parquet in rolling files and
 * publishes real-time features on NATS. Restarts resume after the last committed roll, without
 * loss or duplicates (the position is kept next to the output; see CoinbaseStreamPipeline).
 */
import path from 'node:path';
import type { LogLevel } from '@etl/core';
import { ConsoleLogger, type LogFormat } from '@etl/core/internal';
import { CoinbaseStreamPipeline, loadPlugins, type StreamSummary } from '@etl/orchestrator';
import {
  connectNats,
  DEFAULT_FEATURES_PREFIX,
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  ensureMarketDataStream,
  JetStreamReader,
  RowPublisher,
} from '@etl/stream-nats';
import type { Flags } from '../command-spec.js';
import { loadConfig, sourceOf } from '../config.js';
import { datasetTable, formatCount, toJson } from '../format.js';
import { UsageError } from '../usage-error.js';

export interface StreamFlags {
  from?: string;
  output?: string;
  config?: string;
  stream?: string;
  subject?: string;
  durable?: string;
  'start-sequence'?: string;
  'start-time'?: string;
  'roll-interval'?: string;
  'roll-rows'?: string;
  'features-subject'?: string;
  'no-features'?: boolean;
  'idle-exit'?: string;
  channels?: string;
  json?: boolean;
  quiet?: boolean;
  'log-format'?: string;
  'log-level'?: string;
  source?: string;
}

function positive(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
    throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return n;
}

export function streamSummaryJson(
  summary: StreamSummary,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const datasets: Record<string, { rows: number; files: number; bytes: number }> = {};
  for (const [k, v] of Object.entries(summary.datasets).sort(([a], [b]) => a.localeCompare(b)))
    datasets[k] = { ...v };
  return {
    ...extra,
    position: summary.position,
    resumed_from: summary.resumedFrom,
    records: summary.records,
    commits: summary.commits,
    datasets,
    features_published: summary.features,
    quarantined_lines: summary.quarantinedLines,
    elapsed_s: Math.round(summary.elapsedS * 1000) / 1000,
  };
}

export async function streamCommand(
  given: Flags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
): Promise<number> {
  const flags = given as StreamFlags;
  const logFormat = (flags['log-format'] ?? 'text') as LogFormat;
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError('--log-format must be text or json');
  const logLevel = (flags['log-level'] ?? (flags.quiet || flags.json ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new UsageError('--log-level must be debug, info, warn or error');
  const from = flags.from ?? process.env.NATS_URL;
  if (!from) throw new UsageError('--from <nats-url> is required (or NATS_URL)');
  const config = flags.config ? await loadConfig(flags.config) : undefined;
  // The live path parses Advanced Trade frames only: another feed would be quarantined line by line.
  const source = sourceOf(flags.source, config?.source);
  if (source !== 'coinbase')
    throw new UsageError(
      `etl stream reads the coinbase (Advanced Trade) feed only, not ${source}; convert Exchange-feed captures with etl run --source ${source}`,
    );
  const output = flags.output ? path.resolve(flags.output) : config?.outputDir;
  if (!output) throw new UsageError('--output <processed-dir> is required (or etl.output_dir in --config)');
  const startSequence = positive('start-sequence', flags['start-sequence'], true);
  const startTime = flags['start-time'];
  if (startSequence !== undefined && startTime !== undefined)
    throw new UsageError('give --start-sequence or --start-time, not both');
  if (startTime !== undefined && Number.isNaN(Date.parse(startTime)))
    throw new UsageError(`--start-time must be an RFC 3339 time, got ${startTime}`);
  const rollInterval = positive('roll-interval', flags['roll-interval'], false) ?? 60;
  const rollRows = positive('roll-rows', flags['roll-rows'], true);
  const idleExit = positive('idle-exit', flags['idle-exit'], false);
  const streamName = flags.stream ?? DEFAULT_STREAM;
  const subject = flags.subject ?? `${DEFAULT_SUBJECT_PREFIX}.>`;
  const durable = flags.durable ?? 'etl-stream';
  const featuresPrefix = flags['features-subject'] ?? DEFAULT_FEATURES_PREFIX;
  const channels = flags.channels
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const logger = new ConsoleLogger(logFormat, logLevel, io.stderr);
  // The same plugins as `etl run` with this config (a bad entry exits 2 before connecting).
  const registry = config?.plugins.length ? await loadPlugins(config.plugins, config.baseDir) : undefined;

  const pipeline = new CoinbaseStreamPipeline({
    outputDir: output,
    name: durable,
    rollIntervalMs: rollInterval * 1000,
    ...(rollRows !== undefined ? { rollRows } : {}),
    ...(config?.channels ? { channelConfig: config.channels } : {}),
    ...(config?.compression ? { compression: config.compression } : {}),
    ...(channels?.length ? { channels } : {}),
    ...(registry ? { registry } : {}),
    features: flags['no-features'] ? false : {},
    logger,
  });
  const connection = await connectNats(from, { name: `etl stream ${durable}` });
  try {
    await ensureMarketDataStream(connection, { name: streamName, subjects: [subject], logger });
    const position = await pipeline.resume();
    if (position > 0 && (startSequence !== undefined || startTime !== undefined)) {
      logger.warn('the output already holds committed rolls: resuming after them, --start-* ignored', {
        position,
      });
    }
    const reader = new JetStreamReader({
      connection,
      durable,
      filterSubject: subject,
      ack: 'manual',
      recreateDurable: true,
      ...(position > 0
        ? { startSequence: position + 1 }
        : startSequence !== undefined
          ? { startSequence }
          : {}),
      ...(position === 0 && startTime !== undefined ? { startTime } : {}),
      // Empty batches while idle let time-based rolls close without traffic.
      idleMs: Math.min(1000, rollInterval * 1000),
      ...(idleExit !== undefined ? { stopAfterIdleMs: idleExit * 1000 } : {}),
      signal,
      quarantine: pipeline.quarantine,
      logger,
    });
    const publisher = flags['no-features']
      ? undefined
      : new RowPublisher({ connection, subject: `${featuresPrefix}.{product_id}` });
    logger.info('streaming', { from, stream: streamName, subject, durable, output, resume_after: position });
    const summary = await pipeline.run(reader.read(streamName), {
      signal,
      ...(publisher ? { onFeatures: (rows) => publisher.publish(rows) } : {}),
      onCommit: (commit) => reader.ack(commit.position),
    });
    await publisher?.flush();
    const extra = { stream: streamName, durable, output: path.join(output, 'coinbase') };
    if (flags.json) io.stdout.write(`${toJson(streamSummaryJson(summary, extra))}\n`);
    else if (!flags.quiet) io.stdout.write(streamSummaryText(summary, output));
    return 0;
  } finally {
    await connection.drain().catch(() => connection.close());
  }
}

export function streamSummaryText(summary: StreamSummary, output: string): string {
  return `${[
    `Stream:   ${formatCount(summary.records)} messages (sequence ${summary.resumedFrom + 1}–${summary.position}) in ${summary.elapsedS.toFixed(2)} s, ${summary.commits} roll(s) committed`,
    `Features: ${formatCount(summary.features)} published`,
    `Quarantined lines: ${summary.quarantinedLines}`,
    '',
    datasetTable(summary.datasets),
    '',
    `Output:   ${path.join(output, 'coinbase')}`,
  ].join('\n')}\n`;
}
