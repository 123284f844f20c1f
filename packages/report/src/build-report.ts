/** `buildReport`: every figure of the report for the selected products and dates. */
import { ConfigError } from '@etl/core';
import { bookHealthByDay } from './book-health.js';
import { coverageByDay } from './coverage.js';
import { inputHealth } from './input-health.js';
import { marketPictureByDay } from './market-picture.js';
import { openReportSession, type Selection } from './report-session.js';
import type { ProductDayReport, QualityReport, ReportOptions } from './report-types.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(key: string, value: string): string {
  if (
    !DATE_RE.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  )
    throw new ConfigError(key, `"${value}" is not a date (YYYY-MM-DD)`);
  return value;
}

/** The selection the options ask for; throws a {@link ConfigError} for contradictory or malformed ones. */
export function selectionOf(options: ReportOptions): Selection {
  const products = options.products?.map((p) => p.trim()).filter((p) => p.length > 0);
  if (products !== undefined && products.length === 0)
    throw new ConfigError(
      'products',
      'names no product (give one or more product ids, e.g. BTC-USD,ETH-USD)',
    );
  const base = { products: products ?? null };
  if (options.date !== undefined) {
    if (options.startDate !== undefined || options.endDate !== undefined)
      throw new ConfigError('date', 'takes no start date or end date with it (give one date, or a range)');
    const date = checkDate('date', options.date);
    return { ...base, start: date, end: date };
  }
  if ((options.startDate === undefined) !== (options.endDate === undefined))
    throw new ConfigError(
      options.startDate === undefined ? 'endDate' : 'startDate',
      'needs the other end of the range too (start date and end date)',
    );
  if (options.startDate === undefined || options.endDate === undefined)
    return { ...base, start: null, end: null };
  const start = checkDate('startDate', options.startDate);
  const end = checkDate('endDate', options.endDate);
  if (start > end) throw new ConfigError('startDate', `${start} is after the end date ${end}`);
  return { ...base, start, end };
}

/**
 * Computes the report from an output directory: coverage, book health and market picture per
 * product and day (through DuckDB, with a memory limit), input health from the manifests.
 */
export async function buildReport(options: ReportOptions): Promise<QualityReport> {
  const selection = selectionOf(options);
  const session = await openReportSession(options.output, options.memoryLimit);
  try {
    if (session.datasets.size === 0)
      throw new ConfigError(
        'output',
        `${session.root} holds no dataset (is it the directory \`etl run --output\` wrote?)`,
      );
    const coverage = await coverageByDay(session, selection);
    const books = await bookHealthByDay(session, selection);
    const keys = [...new Set([...coverage.keys(), ...books.keys()])];
    const markets = await marketPictureByDay(session, selection, keys);
    const days: ProductDayReport[] = keys
      .map((key) => {
        const [product_id, date] = key.split('\u0000') as [string, string];
        return {
          product_id,
          date,
          coverage: coverage.get(key) ?? [],
          book: books.get(key) ?? null,
          market: markets.get(key) as ProductDayReport['market'],
        };
      })
      .sort((a, b) => a.date.localeCompare(b.date) || a.product_id.localeCompare(b.product_id));
    return {
      version: 1,
      root: session.root,
      generated_at: new Date().toISOString(),
      dates: { start: selection.start, end: selection.end },
      products: selection.products,
      days,
      input: await inputHealth(session.root, selection, options.inputDir),
    };
  } finally {
    await session.close();
  }
}
