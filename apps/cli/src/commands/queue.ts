/**
 * Distributed processing on BullMQ: `etl enqueue` turns ready segments into jobs, `etl worker`
 * (one or more per machine) runs them, `etl queue-status` shows the queues. Loaded only for
 * these commands, so `etl run` never loads BullMQ.
 */
import path from 'node:path';
import { isObjectStorageUrl, type LogLevel } from '@etl/core';
import { ConsoleLogger, type LogFormat } from '@etl/core/internal';
import { CoinbaseSegmentPipeline, loadPlugins } from '@etl/orchestrator';
import {
  type EnqueueResult,
  type ObjectOutputSettings,
  parseRedisUrl,
  type QueueStatus,
  readQueueStatus,
  SegmentEnqueuer,
  SegmentWorker,
  type WorkerSummary,
} from '@etl/queue-bullmq';
import type { Flags } from '../command-spec.js';
import { loadConfig, maxErrorsOf, maxErrorsWording, sourceOf } from '../config.js';
import { datasetTable, formatBytes, formatCount, renderTable, toJson } from '../format.js';
import { checkInputDir, checkOutputDir, parseChannels } from '../usage-checks.js';
import { UsageError } from '../usage-error.js';
import { openStorage } from './run-object-storage.js';

export type QueueCommandName = 'enqueue' | 'worker' | 'queue-status';

type IO = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };

/** Runs a queue command with its parsed flags; resolves to the exit code. */
export async function queueCommand(
  command: QueueCommandName,
  flags: Flags,
  io: IO,
  signal: AbortSignal,
): Promise<number> {
  const url = str(flags.queue);
  if (!url)
    throw new UsageError('--queue <redis-url> is required (redis://host:port, redis+unix:///path/to/socket)');
  const connection = parseRedisUrl(url, '--queue');
  const queueName = str(flags['queue-name']);
  const common = { connection, ...(queueName ? { queueName } : {}) };
  if (command === 'queue-status') return queueStatus(await readQueueStatus(common), flags, io);
  if (command === 'enqueue') {
    const logger = consoleLogger(flags, io);
    const config = flags.config ? await loadConfig(str(flags.config)!) : undefined;
    const input = str(flags.input) ? path.resolve(str(flags.input)!) : config?.inputDir;
    if (!input) throw new UsageError('--input <ready-dir> is required (or etl.input_dir in --config)');
    await checkInputDir(input, str(flags.input) ? '--input' : 'etl.input_dir');
    const attempts = flags.attempts === undefined ? undefined : positiveInt('attempts', flags.attempts);
    const enqueuer = new SegmentEnqueuer({ ...common, logger, ...(attempts ? { attempts } : {}) });
    try {
      return enqueued(await enqueuer.enqueue(input), flags, io);
    } finally {
      await enqueuer.close();
    }
  }
  return worker(common, flags, io, signal);
}

async function worker(
  common: { connection: ReturnType<typeof parseRedisUrl>; queueName?: string },
  flags: Flags,
  io: IO,
  signal: AbortSignal,
): Promise<number> {
  const config = flags.config ? await loadConfig(str(flags.config)!) : undefined;
  const given = str(flags.output);
  const objectOutput = given && isObjectStorageUrl(given) ? await objectOutputOf(given, flags) : undefined;
  const output = objectOutput ? objectOutput.url : given ? path.resolve(given) : config?.outputDir;
  if (!output) throw new UsageError('--output <processed-dir> is required (or etl.output_dir in --config)');
  if (!objectOutput) await checkOutputDir(output, given ? '--output' : 'etl.output_dir');
  if (config?.plugins.length) {
    // The threads load the plugins themselves; loading them here first makes a bad `plugins` or
    // `processors` entry exit 2 at start instead of failing every job.
    const registry = await loadPlugins(config.plugins, config.baseDir);
    new CoinbaseSegmentPipeline({ outputDir: output, registry, channelConfig: config.channels ?? {} });
  }
  const channels = parseChannels(str(flags.channels), config?.channels);
  const source = sourceOf(str(flags.source), config?.source);
  const maxErrors = maxErrorsOf(str(flags['max-errors']), config?.maxErrors);
  const reword = maxErrorsWording(maxErrors?.key);
  const logger = consoleLogger(flags, io, reword);
  const seconds = (name: string) =>
    flags[name] === undefined ? undefined : positiveNumber(name, flags[name]) * 1000;
  const lockDurationMs = seconds('lock-duration');
  const stalledIntervalMs = seconds('stalled-interval');
  const w = new SegmentWorker({
    ...common,
    outputDir: objectOutput ? '.' : output,
    ...(objectOutput ? { objectOutput } : {}),
    ...(source ? { source } : {}),
    concurrency: flags.concurrency === undefined ? 1 : positiveInt('concurrency', flags.concurrency),
    keepInput: flags['keep-input'] === true || config?.deleteAfterProcessing === false,
    ...(config?.channels ? { channelConfig: config.channels } : {}),
    ...(config?.compression ? { compression: config.compression } : {}),
    ...(maxErrors ? { maxErrors: maxErrors.value } : {}),
    ...(channels?.length ? { channels } : {}),
    ...(config?.plugins.length ? { plugins: config.plugins, pluginBaseDir: config.baseDir } : {}),
    ...(lockDurationMs ? { lockDurationMs } : {}),
    ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
    ...(flags.compact === true ? { compact: true } : {}),
    logger,
  });
  const ran = flags['until-empty'] ? await w.runUntilEmpty({ signal }) : await w.runUntilAborted(signal);
  const summary: WorkerSummary = {
    ...ran,
    failed_jobs: ran.failed_jobs.map((f) => ({ ...f, reason: reword(f.reason) })),
  };
  if (flags.json) io.stdout.write(`${toJson(workerJson(summary))}\n`);
  else if (!flags.quiet) io.stdout.write(workerText(summary, output));
  const lost = summary.queue_state_lost;
  if (lost) {
    // The queue forgot work it had: an empty queue is not a finished job, so never exit 0.
    const input = lost.ready_dir ? ` --input ${lost.ready_dir}` : ' on the ready directory';
    io.stderr.write(
      `etl worker: the queue's state in Redis was lost while this worker ran (${lost.reason}); the ${summary.converted_segments.length} segment(s) it converted are committed and every other segment is still in the ready directory: run \`etl enqueue${input}\` again, then \`etl worker\` (safe: converted segments are no longer there and committed output is never duplicated).\n`,
    );
    return 1;
  }
  return summary.failed_jobs.length > 0 ? 1 : 0;
}

function workerJson(s: WorkerSummary): Record<string, unknown> {
  const datasets = Object.fromEntries(Object.entries(s.datasets).sort(([a], [b]) => a.localeCompare(b)));
  return {
    segments: {
      converted: s.segments.converted,
      already_done: s.segments.alreadyDone,
      failed: s.segments.failed,
    },
    converted_segments: s.converted_segments,
    states: s.states,
    commits: s.commits,
    datasets,
    quarantined_lines: s.quarantined_lines,
    lines: s.lines,
    bytes_in: s.bytes_in,
    elapsed_s: Math.round(s.elapsed_s * 1000) / 1000,
    failed_jobs: s.failed_jobs,
    retried_attempts: s.failures.filter((f) => !f.final).length,
    unrecorded_segments: s.unrecorded_segments,
    queue_state_lost: s.queue_state_lost,
  };
}

/**
 * `--output s3://…`: the worker threads open the bucket themselves, from the storage package's
 * module URL; opening it here first makes a bad URL or a missing package exit 2 at start.
 */
async function objectOutputOf(url: string, flags: Flags): Promise<ObjectOutputSettings> {
  if (flags.compact === true)
    throw new UsageError('--compact is not supported with an s3:// output (local outputs only for now)');
  const trimmed = url.replace(/\/+$/, '');
  await openStorage(trimmed);
  return { url: trimmed, module: import.meta.resolve('@etl/storage-s3') };
}

export function workerText(s: WorkerSummary, output: string): string {
  const lines = [
    `Segments: ${s.segments.converted} converted by this worker, ${s.segments.alreadyDone} already done, ${s.segments.failed} failed`,
    `Book states: ${s.states.saved} saved, ${s.states.present} already saved`,
    `Dates committed: ${s.commits.dates.join(', ') || 'none'}${s.commits.incomplete.length ? ` (incomplete: ${s.commits.incomplete.join(', ')})` : ''}`,
    `Input:    ${formatCount(s.lines)} lines, ${formatBytes(s.bytes_in)} in ${s.elapsed_s.toFixed(2)} s`,
    '',
    datasetTable(s.datasets, 'No rows written by this worker.'),
    '',
    `Output:   ${isObjectStorageUrl(output) ? `${output}/coinbase` : path.join(output, 'coinbase')}`,
  ];
  for (const f of s.failed_jobs) lines.push(`FAILED ${f.queue}/${f.job}: ${f.reason}`);
  return `${lines.join('\n')}\n`;
}

function enqueued(r: EnqueueResult, flags: Flags, io: IO): number {
  if (flags.json) {
    io.stdout.write(
      `${toJson({
        segments: r.segments,
        added: r.added.length,
        already_queued: r.alreadyQueued.length,
        retried: r.retried.length,
        dates: r.dates.map((d) => ({ date: d.date, commit_job: d.commitJob, segments: d.segments.length })),
        added_segments: r.added,
      })}\n`,
    );
  } else if (!flags.quiet) {
    const dates = r.dates.map((d) => `${d.date} (${d.segments.length})`).join(', ');
    io.stdout.write(
      `Queued ${r.added.length} of ${r.segments} segments${r.retried.length ? ` (${r.retried.length} retried)` : ''}; ${r.alreadyQueued.length} already queued or done.${dates ? ` Dates: ${dates}.` : ''}\n`,
    );
  }
  return 0;
}

function queueStatus(s: QueueStatus, flags: Flags, io: IO): number {
  if (flags.json) {
    io.stdout.write(`${toJson(s)}\n`);
    return 0;
  }
  const row = (name: string, c: QueueStatus['totals']) => [
    name,
    c.waiting,
    c.active,
    c.delayed,
    c.waiting_children,
    c.done,
    c.failed,
  ];
  const table = renderTable(
    ['queue', 'waiting', 'active', 'delayed', 'waiting-children', 'done', 'failed'],
    [
      row(`${s.queue}-state`, s.queues.state),
      row(`${s.queue}-convert`, s.queues.convert),
      row(`${s.queue}-commit`, s.queues.commit),
      row('total', s.totals),
    ],
  );
  const failures = s.failures.map(
    (f) => `FAILED ${f.queue}/${f.job} after ${f.attempts} attempt(s): ${f.reason}`,
  );
  io.stdout.write(`${table}\n${failures.length ? `\n${failures.join('\n')}\n` : ''}`);
  return 0;
}

function consoleLogger(flags: Flags, io: IO, reword?: (text: string) => string): ConsoleLogger {
  const format = (str(flags['log-format']) ?? 'text') as LogFormat;
  if (format !== 'text' && format !== 'json') throw new UsageError('--log-format must be text or json');
  const level = (str(flags['log-level']) ?? (flags.quiet ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new UsageError('--log-level must be debug, info, warn or error');
  return new ConsoleLogger(format, level, io.stderr, reword ? { reword } : {});
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function positiveInt(name: string, v: string | boolean | undefined): number {
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got ${String(v)}`);
  return n;
}

function positiveNumber(name: string, v: string | boolean | undefined): number {
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds, got ${String(v)}`);
  return n;
}
