/**
 * `etl report`: the data-quality report of an output directory (coverage, book health, market
 * picture, input health), as a terminal summary, JSON, or one self-contained HTML file.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@etl/core';
import {
  buildReport,
  formatReport,
  type QualityReport,
  type ReportOptions,
  writeHtmlReport,
} from '@etl/report';
import type { CliIO, Flags } from '../command-spec.js';
import { toJson } from '../format.js';
import { UsageError } from '../usage-error.js';

export interface ReportFlags {
  output?: string;
  date?: string;
  'start-date'?: string;
  'end-date'?: string;
  product?: string;
  input?: string;
  html?: string;
  json?: boolean;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` naming a real day (not 2026-02-30). */
function isDate(v: string): boolean {
  const ms = Date.parse(`${v}T00:00:00Z`);
  return DATE_RE.test(v) && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v;
}

function checkFlags(f: ReportFlags): void {
  if (f.output === undefined)
    throw new UsageError('report needs --output <processed-dir> (the directory etl run --output wrote)');
  for (const key of ['date', 'start-date', 'end-date'] as const) {
    const v = f[key];
    if (v !== undefined && !isDate(v))
      throw new UsageError(`--${key} ${v} is not a date: give YYYY-MM-DD, e.g. --${key} 2026-08-09`);
  }
  if (f.date !== undefined && (f['start-date'] !== undefined || f['end-date'] !== undefined))
    throw new UsageError('give either --date or --start-date with --end-date, not both');
  if ((f['start-date'] === undefined) !== (f['end-date'] === undefined))
    throw new UsageError('--start-date and --end-date go together: give both ends of the range');
  if (f['start-date'] !== undefined && f['end-date'] !== undefined && f['start-date'] > f['end-date'])
    throw new UsageError(`--start-date ${f['start-date']} is after --end-date ${f['end-date']}`);
}

async function checkHtmlTarget(file: string): Promise<void> {
  const dir = await stat(path.dirname(path.resolve(file))).catch(() => undefined);
  if (!dir?.isDirectory()) throw new UsageError(`--html ${file}: its directory does not exist`);
  if ((await stat(file).catch(() => undefined))?.isDirectory())
    throw new UsageError(
      `--html ${file} is a directory; give a file name, e.g. ${path.join(file, 'report.html')}`,
    );
}

/** The report; the API's option errors become usage errors in the flags' own words. */
async function build(options: ReportOptions): Promise<QualityReport> {
  try {
    return await buildReport(options);
  } catch (error) {
    if (error instanceof ConfigError && error.key === 'output')
      throw new UsageError(
        `--output ${options.output} holds no dataset (give the directory etl run --output wrote)`,
      );
    if (error instanceof ConfigError && error.key === 'products')
      throw new UsageError('--product names no product (e.g. --product BTC-USD,ETH-USD)');
    throw error;
  }
}

export async function reportCommand(flags: Flags, io: CliIO): Promise<number> {
  const f = flags as ReportFlags;
  checkFlags(f);
  const output = f.output as string;
  if (/^s3:\/\//i.test(output))
    throw new UsageError(
      `--output ${output}: etl report reads a local output directory; sync the prefix to a local directory first (e.g. aws s3 sync)`,
    );
  if (!(await stat(output).catch(() => undefined))?.isDirectory())
    throw new UsageError(`--output ${output} is not a directory (give the directory etl run --output wrote)`);
  if (f.html !== undefined) await checkHtmlTarget(f.html);
  const report = await build({
    output,
    ...(f.date !== undefined ? { date: f.date } : {}),
    ...(f['start-date'] !== undefined ? { startDate: f['start-date'] } : {}),
    ...(f['end-date'] !== undefined ? { endDate: f['end-date'] } : {}),
    ...(f.product !== undefined ? { products: f.product.split(',') } : {}),
    ...(f.input !== undefined ? { inputDir: f.input } : {}),
  });
  if (f.html !== undefined) await writeHtmlReport(report, f.html);
  if (f.json) io.stdout.write(`${toJson(report)}\n`);
  else {
    io.stdout.write(formatReport(report, { color: io.stdout.isTTY === true && !process.env.NO_COLOR }));
    if (f.html !== undefined) io.stdout.write(`\nHTML report: ${f.html}\n`);
  }
  if (report.days.length === 0) {
    io.stderr.write(`etl report: no rows in ${report.root} for this selection\n`);
    return 1;
  }
  return 0;
}
