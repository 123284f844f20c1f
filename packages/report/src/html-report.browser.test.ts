/**
 * The HTML report in a real headless Chromium (the system's `chromium`, Debian package of that
 * name): it renders without console errors or requests beyond the file itself, every product-day
 * has its three charts with the expected series and one marker per gap on each, and a screenshot
 * is written to `.reports/` (ignored by git) for a person to look at.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_DATE } from './__fixtures__/generate-day.js';
import { processedGeneratedDay, processedSample } from './__fixtures__/processed-output.js';
import { MARKED_KINDS } from './book-health.js';
import { buildReport } from './build-report.js';
import { writeHtmlReport } from './html-report.js';
import type { ProductDayReport, QualityReport } from './report-types.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../.reports');

interface Rendered {
  errors: string[];
  requests: string[];
  sections: {
    product: string;
    date: string;
    charts: { title: string; series: number; markers: Record<string, number>; x: string }[];
  }[];
  timing: string;
}

let browser: Browser;

async function render(report: QualityReport, name: string): Promise<Rendered> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.html`);
  await writeHtmlReport(report, file);
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered]', { timeout: 30_000 });
    const sections = await page.$$eval('section.day', (days) =>
      days.map((day) => ({
        product: day.getAttribute('data-product') ?? '',
        date: day.getAttribute('data-date') ?? '',
        charts: [...day.querySelectorAll('.chart')].map((chart) => {
          const markers: Record<string, number> = {};
          for (const m of chart.querySelectorAll('.u-over .gap-marker')) {
            const type =
              [...m.classList].find((c) => c.startsWith('gap-marker--'))?.slice('gap-marker--'.length) ?? '?';
            markers[type] = (markers[type] ?? 0) + 1;
          }
          return {
            title: chart.getAttribute('data-chart') ?? '',
            // uPlot's legend has one row per series, the x series first.
            series: chart.querySelectorAll('.u-legend .u-series').length - 1,
            markers,
            x: chart.getAttribute('data-x') ?? '',
          };
        }),
      })),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    const timing = await page.$eval('body', (b) => b.getAttribute('data-timing-ms') ?? '');
    console.info(`${name}: ${timing} (ms in the page, no timing asserted)`);
    return { errors, requests, sections, timing };
  } finally {
    await page.close();
  }
}

/** Markers the page should draw for a day: invalid spans and empty level2 minutes as bands, events as lines. */
function expectedMarkers(day: ProductDayReport): Record<string, number> {
  const expected: Record<string, number> = {};
  const add = (type: string, n: number) => {
    if (n > 0) expected[type] = n;
  };
  add('invalid', day.book?.invalid_spans.length ?? 0);
  add('event', day.book?.events.filter((e) => MARKED_KINDS.has(e.kind)).length ?? 0);
  add('nodata', day.coverage.find((c) => c.dataset === 'level2')?.empty_spans.length ?? 0);
  return expected;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  // Tests run as root in CI: Chromium refuses its sandbox there.
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('the HTML report in Chromium', () => {
  it('draws the generated day: three charts per product with every gap marked', async () => {
    const processed = await processedGeneratedDay();
    const report = await buildReport({
      output: processed.output,
      date: GENERATED_DATE,
      inputDir: processed.ready,
    });
    const page = await render(report, 'report-generated-day');
    expect(page.errors).toEqual([]);
    expect(page.requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
    expect(page.sections.map((s) => [s.product, s.date])).toEqual([
      ['BTC-USD', GENERATED_DATE],
      ['ETH-USD', GENERATED_DATE],
    ]);
    for (const [i, section] of page.sections.entries()) {
      const day = report.days[i] as ProductDayReport;
      expect(section.charts.map((c) => [c.title, c.series])).toEqual([
        ['mid and spread', 2],
        ['trade volume per minute by taker side (sell below zero)', 3],
        ['coverage: rows per minute', day.coverage.length],
      ]);
      const markers = expectedMarkers(day);
      // Known from the injection: gap, reconnect and stale checkpoint spans, the 30 empty minutes.
      expect(markers).toMatchObject({ invalid: 3, nodata: 1 });
      for (const chart of section.charts) expect(chart.markers).toEqual(markers);
      // The mid chart holds every second of the day's series (plus one break per hole), decoded.
      const t = day.market.seconds.t;
      const breaks = t.filter((v, k) => k > 0 && v - (t[k - 1] as number) > 60).length;
      expect(section.charts[0]?.x).toBe(`${t[0]},${t.at(-1)},${t.length + breaks}`);
    }
    expect(statSync(path.join(ARTIFACTS, 'report-generated-day.png')).size).toBeGreaterThan(10_000);
  }, 240_000);

  it('draws the real bundled segment without markers', async () => {
    const processed = await processedSample();
    const report = await buildReport({ output: processed.output });
    const page = await render(report, 'report-sample');
    expect(page.errors).toEqual([]);
    expect(page.sections).toHaveLength(1);
    const charts = page.sections[0]?.charts ?? [];
    expect(charts.map((c) => c.series)).toEqual([2, 3, 4]);
    for (const chart of charts) expect(chart.markers).toEqual({});
  }, 240_000);
});
