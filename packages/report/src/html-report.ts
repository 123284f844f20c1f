/**
 * The report as one self-contained HTML file: uPlot (script and style) and the figures are inlined,
 * so the file opens offline, from an e-mail or an artifact store, with nothing fetched at view time.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PAGE_SCRIPT } from './html-page-script.js';
import type { QualityReport } from './report-types.js';

const require = createRequire(import.meta.url);

/** JSON safe inside a `<script>` element: no `</script>`, no `<!--`, no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #fff; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header h1 { font-size: 20px; margin: 0 0 2px; }
header p { margin: 0 0 12px; color: var(--muted); }
section { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 16px; }
h2 { font-size: 17px; margin: 4px 0 8px; }
h3 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
.figures { display: flex; flex-wrap: wrap; gap: 8px; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-width: 120px; }
.figure .k { display: block; font-size: 12px; color: var(--muted); }
.figure .v { font-size: 16px; font-variant-numeric: tabular-nums; }
.figure.bad .v { color: #cf222e; } .figure.good .v { color: #1a7f37; }
table { border-collapse: collapse; margin: 4px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; font-size: 12px; color: var(--muted); }
table.gaps td:last-child, table.failed td:last-child { max-width: 720px; }
.none { color: var(--muted); }
.legend-note { color: var(--muted); font-size: 12px; margin: 2px 0 0; }
.legend-note i { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 10px; vertical-align: -1px; }
.gap-marker { position: absolute; top: 0; bottom: 0; pointer-events: auto; }
.gap-marker--invalid { background: rgba(207, 34, 46, 0.16); border-left: 1px solid rgba(207, 34, 46, 0.6); }
.gap-marker--nodata { background: rgba(110, 118, 129, 0.18); }
.gap-marker--event { background: rgba(130, 20, 30, 0.9); }
.u-legend { font-size: 12px; }
`;

const significant = (digits: number) => (v: number | null) =>
  v === null ? null : Number(v.toPrecision(digits));

/** `[t0, t1 - t0, t2 - t1, ...]`: the page adds them up again. */
function deltas(t: readonly number[]): number[] {
  return t.map((v, i) => (i === 0 ? v : v - (t[i - 1] as number)));
}

/**
 * The figures as the page embeds them: per-second series rounded for the screen (a spread in bps
 * to 8 significant digits, a mid to 12) and their seconds as differences from the previous one
 * (mostly `1`), which makes the page of a busy day half as large; the rest as is.
 */
function forPage(report: QualityReport): QualityReport {
  return {
    ...report,
    days: report.days.map((day) => ({
      ...day,
      market: {
        ...day.market,
        seconds: {
          t: deltas(day.market.seconds.t),
          mid: day.market.seconds.mid.map(significant(12)),
          spread_bps: day.market.seconds.spread_bps.map(significant(8)),
        },
      },
    })),
  };
}

/** The whole page as a string. */
export async function renderHtmlReport(report: QualityReport): Promise<string> {
  const uplotScript = await readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotStyle = await readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const range =
    report.dates.start === null
      ? 'every date'
      : report.dates.start === report.dates.end
        ? report.dates.start
        : `${report.dates.start} … ${report.dates.end}`;
  const products = report.products === null ? 'every product' : report.products.join(', ');
  const title = `etl report · ${range}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${uplotStyle}</style>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`${report.root} · ${products} · generated ${report.generated_at}`)}</p>
<p class="legend-note">Markers on every chart:<i class="gap-marker--invalid"></i>book invalid<i class="gap-marker--event"></i>gap, reconnect, stale checkpoint, invalid level or crossed book<i class="gap-marker--nodata"></i>minutes without level2 rows. Times in UTC; drag on a chart to zoom, double-click to reset.</p>
</header>
<main id="report"></main>
<script type="application/json" id="report-data">${scriptJson(forPage(report))}</script>
<!-- uPlot ${escapeHtml(require('uplot/package.json').version)} (MIT licence, https://github.com/leeoniya/uPlot) -->
<script>${uplotScript.replaceAll('</script', '<\\/script')}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Writes the page to `file` (temporary name, then rename: a reader never sees half a page). */
export async function writeHtmlReport(report: QualityReport, file: string): Promise<void> {
  const html = await renderHtmlReport(report);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temp, html);
  await rename(temp, file);
}
