/** The report as aligned text for a terminal: colour only when asked for (a TTY), never in a pipe. */
import { MARKED_KINDS } from './book-health.js';
import type { DatasetCoverage, ProductDayReport, QualityReport } from './report-types.js';

export interface TextOptions {
  /** ANSI colours (the CLI sets it when stdout is a terminal). */
  readonly color?: boolean;
  /** Rows of a list (gaps, segments, reasons) shown before "… N more". Default 10. */
  readonly maxListed?: number;
}

type Paint = (code: string, text: string) => string;

const count = (n: number): string => n.toLocaleString('en-US');
const clock = (iso: string | null): string => (iso === null ? '—' : iso.slice(11, 23));

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const fixed = (n: number | null, digits: number): string =>
  n === null
    ? '—'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Significant digits for a price or size whose magnitude is not known in advance. */
const amount = (n: number | null): string =>
  n === null ? '—' : n.toLocaleString('en-US', { maximumSignificantDigits: 8 });

function table(
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
  indent: string,
): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  );
}

function coverageLines(coverage: readonly DatasetCoverage[]): string[] {
  const rows = [['dataset', 'rows', 'first', 'last', 'minutes', 'empty minutes']];
  for (const c of coverage)
    rows.push([
      c.dataset,
      count(c.rows),
      clock(c.first),
      clock(c.last),
      count(c.minutes_with_data),
      count(c.empty_minutes),
    ]);
  return table(rows, new Set([1, 4, 5]), '    ');
}

function gapLines(day: ProductDayReport, limit: number, paint: Paint): string[] {
  const book = day.book;
  if (book === null) return [];
  const entries: { at: string; text: string }[] = [];
  for (const e of book.events) {
    // Crossed books are counted on the book line: listed one by one they would bury the gaps.
    if (!MARKED_KINDS.has(e.kind) || e.kind === 'crossed_book') continue;
    const span =
      e.time_from && e.time_to
        ? `${clock(e.time_from)} → ${clock(e.time_to)}`
        : clock(e.time_to ?? e.time_from);
    const seq = e.sequence_from === null ? '' : ` seq ${e.sequence_from}…${e.sequence_to}`;
    entries.push({ at: e.time_from ?? e.time_to ?? '', text: `${e.kind.padEnd(16)} ${span}${seq}` });
  }
  for (const s of book.invalid_spans)
    entries.push({
      at: s.from,
      text: `${'book invalid'.padEnd(16)} ${clock(s.from)} → ${clock(s.to)}  ${formatDuration(s.seconds)}${s.recovered ? '' : ' (not recovered that day)'}`,
    });
  for (const c of day.coverage.filter((c) => c.dataset === 'level2'))
    for (const s of c.empty_spans)
      entries.push({
        at: s.from,
        text: `${'no level2 rows'.padEnd(16)} ${clock(s.from)} → ${clock(s.to)}  ${formatDuration(s.seconds)}`,
      });
  if (entries.length === 0) return [];
  entries.sort((a, b) => a.at.localeCompare(b.at));
  const lines = [`  ${paint('1', 'gaps')}`];
  for (const e of entries.slice(0, limit)) lines.push(`    ${paint('33', e.text)}`);
  if (entries.length > limit)
    lines.push(`    … ${count(entries.length - limit)} more (--json or --html lists them all)`);
  return lines;
}

function dayLines(day: ProductDayReport, limit: number, paint: Paint): string[] {
  const lines = [
    paint('1', `${day.product_id}  ${day.date}`),
    `  ${paint('1', 'coverage')}`,
    ...coverageLines(day.coverage),
  ];
  const book = day.book;
  if (book === null)
    lines.push(`  ${paint('1', 'book')}  no reconstructed book (no level2 rows with book_valid)`);
  else {
    const share = book.valid_share === null ? '—' : `${(book.valid_share * 100).toFixed(2)} %`;
    const colored =
      book.valid_share !== null && book.valid_share < 1 ? paint('31', share) : paint('32', share);
    lines.push(
      `  ${paint('1', 'book')}  valid ${colored} of ${formatDuration(book.observed_seconds)} (${count(book.messages)} message times), ` +
        `${count(book.invalid_spans.length)} invalid span(s), ${count(book.crossed_book_repairs)} crossed-book repair(s)`,
    );
    const kinds = Object.entries(book.event_counts).sort((a, b) => b[1] - a[1]);
    if (kinds.length)
      lines.push(`  ${paint('1', 'quality')}  ${kinds.map(([k, n]) => `${k} ${count(n)}`).join(', ')}`);
    lines.push(...gapLines(day, limit, paint));
  }
  const m = day.market;
  if (m.mid.first !== null)
    lines.push(
      `  ${paint('1', 'mid')}  ${amount(m.mid.first)} → ${amount(m.mid.last)} (low ${amount(m.mid.min)}, high ${amount(m.mid.max)}); ` +
        `spread median ${fixed(m.spread_bps.median, 3)} bps, max ${fixed(m.spread_bps.max, 3)} bps`,
    );
  if (m.trades.count > 0)
    lines.push(
      `  ${paint('1', 'trades')}  ${count(m.trades.count)}, volume ${amount(m.trades.volume)} ` +
        `(taker buy ${amount(m.trades.buy_volume)}, sell ${amount(m.trades.sell_volume)}, undecided ${amount(m.trades.unknown_volume)})`,
    );
  return lines;
}

function inputLines(report: QualityReport, limit: number, paint: Paint): string[] {
  const t = report.input.totals;
  const lines = [
    paint('1', 'input'),
    `  segments ${count(t.segments)}, lines ${count(t.lines)}, quarantined lines ${count(t.quarantined_lines)}, ` +
      `quarantined rows ${count(t.quarantined_rows)}, failed segments ${t.failed_segments ? paint('31', count(t.failed_segments)) : '0'}`,
  ];
  const unpublished = report.input.segments.filter((s) => !s.published);
  if (unpublished.length)
    lines.push(
      `  ${paint('33', `${unpublished.length} segment(s) committed but not yet published`)} (the next run finishes them)`,
    );
  const reasons = report.input.quarantine_reasons;
  if (reasons.length) {
    lines.push(`  ${paint('1', 'quarantine reasons')}`);
    const rows = reasons
      .slice(0, limit)
      .map((r) => [count(r.count), r.stage, r.reason, `e.g. ${r.example.file}:${r.example.line ?? '?'}`]);
    lines.push(...table(rows, new Set([0]), '    '));
    if (reasons.length > limit) lines.push(`    … ${reasons.length - limit} more`);
  }
  for (const f of report.input.failed.slice(0, limit))
    lines.push(`  ${paint('31', `failed ${f.segment}`)}: ${f.error.split('\n')[0]} (${f.report})`);
  if (report.input.failed.length > limit) lines.push(`  … ${report.input.failed.length - limit} more failed`);
  return lines;
}

/** The whole report as text, ending with a newline. */
export function formatReport(report: QualityReport, options: TextOptions = {}): string {
  const paint: Paint = options.color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
  const limit = options.maxListed ?? 10;
  const range =
    report.dates.start === null
      ? 'every date'
      : report.dates.start === report.dates.end
        ? report.dates.start
        : `${report.dates.start} … ${report.dates.end}`;
  const products = report.products === null ? 'every product' : report.products.join(', ');
  const lines = [`${paint('1', 'etl report')}  ${report.root}  (${range}, ${products})`, ''];
  if (report.days.length === 0) lines.push('no rows for this selection', '');
  for (const day of report.days) lines.push(...dayLines(day, limit, paint), '');
  lines.push(...inputLines(report, limit, paint));
  return `${lines.join('\n')}\n`;
}
