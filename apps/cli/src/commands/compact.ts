/**
 * `etl compact`: merges the files of each closed partition into one time-sorted file (see
 * @etl/orchestrator compaction). Exit 0 when every partition was compacted or had nothing to do,
 * 1 when one failed (it keeps its files), 2 for bad usage.
 */
import path from 'node:path';
import { ConsoleLogger, type LogFormat } from '@etl/core/internal';
import { type CompactSummary, compactOutput } from '@etl/orchestrator';
import type { Flags } from '../command-spec.js';
import { loadConfig } from '../config.js';
import { formatBytes, formatCount, renderTable, toJson } from '../format.js';
import { parseDate } from '../usage-checks.js';
import { UsageError } from '../usage-error.js';

type LogLevel = 'debug' | 'info' | 'warn' | 'error';

function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--max-file-mib must be a positive number, got ${value}`);
  return Math.round(n * 1024 * 1024);
}

function summaryText(s: CompactSummary): string {
  const rows = Object.entries(s.datasets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, d]) => [
      name,
      formatCount(d.partitions),
      `${formatCount(d.files_before)} → ${formatCount(d.files_after)}`,
      formatCount(d.rows),
      `${formatBytes(d.bytes_before)} → ${formatBytes(d.bytes_after)}`,
    ]);
  const table = rows.length
    ? renderTable(['dataset', 'partitions', 'files', 'rows', 'size'], rows, {
        align: ['left', 'right', 'right', 'right', 'right'],
      })
    : 'Nothing to compact.';
  const p = s.partitions;
  return `${table}\n${p.compacted} partition(s) compacted, ${p.skipped} already compact, ${p.failed} failed in ${s.elapsed_s.toFixed(1)} s\n`;
}

export async function compactCommand(
  flags: Flags,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: AbortSignal,
  rollbackSignal?: AbortSignal,
): Promise<number> {
  const logFormat = (flags['log-format'] ?? 'text') as LogFormat;
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError('--log-format must be text or json');
  const logLevel = (flags['log-level'] ?? (flags.quiet ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new UsageError('--log-level must be debug, info, warn or error');
  const config = typeof flags.config === 'string' ? await loadConfig(flags.config) : undefined;
  const given = typeof flags.output === 'string' ? flags.output : config?.outputDir;
  if (given?.startsWith('s3://'))
    throw new UsageError(`etl compact works on local outputs only (not yet on object storage): ${given}`);
  const output = typeof flags.output === 'string' ? path.resolve(flags.output) : config?.outputDir;
  if (!output) throw new UsageError('--output <processed-dir> is required (or etl.output_dir in --config)');
  const datasets =
    typeof flags.dataset === 'string'
      ? flags.dataset
          .split(',')
          .map((d) => d.trim())
          .filter(Boolean)
      : undefined;
  if (datasets && datasets.length === 0) throw new UsageError('--dataset needs at least one dataset name');
  const before = typeof flags.before === 'string' ? parseDate('before', flags.before) : undefined;
  const maxFileBytes = parseSize(
    typeof flags['max-file-mib'] === 'string' ? flags['max-file-mib'] : undefined,
  );
  const logger = new ConsoleLogger(logFormat, logLevel, io.stderr);
  const summary = await compactOutput({
    outputDir: output,
    ...(datasets ? { datasets } : {}),
    ...(before ? { before } : {}),
    ...(maxFileBytes ? { maxFileBytes } : {}),
    signal,
    ...(rollbackSignal ? { rollbackSignal } : {}),
    logger,
  });
  if (flags.json) io.stdout.write(`${toJson(summary)}\n`);
  else if (!flags.quiet) io.stdout.write(summaryText(summary));
  return summary.partitions.failed > 0 ? 1 : 0;
}
