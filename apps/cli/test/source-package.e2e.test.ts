/**
 * A source for another exchange, published the way a processor plugin is: a package whose default
 * export is made with `defineSource` of @etl/core. The made-up "acme" exchange sends one JSON
 * object per line (`e: fill` trades, `e: hb` heartbeats); its source (fixtures/etl-source-acme)
 * declares one dataset, `fills`, with one processor option. `etl run` selects it with `etl.source`
 * (package name) or `--source` (path) and writes `<output>/acme/fills/...`.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, readyDir } from './helpers.js';

/** The made-up source package, used in place (by path) or linked as `etl-source-acme` (by name). */
const SOURCE_PACKAGE = path.resolve(import.meta.dirname, 'fixtures/etl-source-acme');

const LINES = [
  { e: 'hb', t: '2026-08-09T21:00:00Z' },
  { e: 'fill', s: 'ACME-USD', i: 1, p: '101.5', q: '0.25', t: '2026-08-09T21:00:00.123456789Z' },
  { e: 'fill', s: 'ACME-USD', i: 2, p: '101.75', q: '2', t: '2026-08-09T21:00:01.5Z' },
  { e: 'fill', s: 'WIDGET-EUR', i: 3, p: '7.125', q: '10', t: '2026-08-09T23:59:59.999999999Z' },
  { e: 'hb', t: '2026-08-10T00:00:00Z' },
  { e: 'fill', s: 'WIDGET-EUR', i: 4, p: '7.5', q: '1.5', t: '2026-08-10T00:00:00.000000001Z' },
];

/** A workspace: the source installed as package `etl-source-acme` next to the config, one segment. */
function workspace(config: unknown) {
  const dirs = readyDir([]);
  mkdirSync(path.join(dirs.root, 'node_modules'));
  symlinkSync(SOURCE_PACKAGE, path.join(dirs.root, 'node_modules', 'etl-source-acme'));
  const lines = LINES.map((l) => JSON.stringify(l));
  lines.splice(3, 0, '{"e":"fill", this is not JSON');
  writeFileSync(path.join(dirs.ready, 'segment_20260809T21_00001.ndjson'), `${lines.join('\n')}\n`);
  const file = path.join(dirs.root, 'etl.config.json');
  writeFileSync(file, JSON.stringify(config));
  return { ...dirs, config: file, modulePath: path.join(SOURCE_PACKAGE, 'index.js') };
}

describe('etl run with a source package for another exchange', () => {
  let output: string;
  let summary: {
    segments: { processed: number; failed: number };
    datasets: Record<string, { rows: number }>;
    quarantined_lines: number;
  };

  beforeAll(async () => {
    const w = workspace({ etl: { source: 'etl-source-acme' } });
    const r = await etl(['run', '--input', w.ready, '--output', w.output, '--config', w.config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    output = w.output;
    summary = JSON.parse(r.stdout);
  }, 120_000);

  it('converts the fills, drops the heartbeats (control rows) and quarantines the bad line', () => {
    expect(summary.segments).toEqual(expect.objectContaining({ processed: 1, failed: 0 }));
    expect(Object.keys(summary.datasets)).toEqual(['fills']);
    expect(summary.datasets.fills?.rows).toBe(4);
    expect(summary.quarantined_lines).toBe(1);
  });

  it("writes Parquet under the source's directory and partitions, with the values sent", async () => {
    const db = await duckdb();
    const files = path.join(output, 'acme', 'fills', '**', '*.parquet');
    const rows = await db.rows(
      `SELECT symbol, fill_id, price, size, notional, CAST(time AS VARCHAR) AS time, CAST(date AS VARCHAR) AS date
       FROM read_parquet('${files}', hive_partitioning = true) ORDER BY fill_id`,
    );
    expect(rows).toEqual([
      {
        symbol: 'ACME-USD',
        fill_id: 1n,
        price: 101.5,
        size: 0.25,
        notional: 25.375,
        time: '2026-08-09 21:00:00.123456789',
        date: '2026-08-09',
      },
      {
        symbol: 'ACME-USD',
        fill_id: 2n,
        price: 101.75,
        size: 2,
        notional: 203.5,
        time: '2026-08-09 21:00:01.5',
        date: '2026-08-09',
      },
      {
        symbol: 'WIDGET-EUR',
        fill_id: 3n,
        price: 7.125,
        size: 10,
        notional: 71.25,
        time: '2026-08-09 23:59:59.999999999',
        date: '2026-08-09',
      },
      {
        symbol: 'WIDGET-EUR',
        fill_id: 4n,
        price: 7.5,
        size: 1.5,
        notional: 11.25,
        time: '2026-08-10 00:00:00.000000001',
        date: '2026-08-10',
      },
    ]);
    const partitions = await db.rows(
      `SELECT DISTINCT regexp_extract(filename, 'fills/(.*)/part-', 1) AS dir
       FROM read_parquet('${files}', filename = true) ORDER BY dir`,
    );
    expect(partitions.map((p) => p.dir)).toEqual([
      'symbol=ACME-USD/date=2026-08-09',
      'symbol=WIDGET-EUR/date=2026-08-09',
      'symbol=WIDGET-EUR/date=2026-08-10',
    ]);
    const meta = await db.one(
      `SELECT decode(value) AS source FROM parquet_kv_metadata('${files}') WHERE decode(key) = 'etl.source' LIMIT 1`,
    );
    expect(meta.source).toBe('acme');
  });
});

describe("a source package's declaration drives the usage checks", () => {
  it('takes the source by path with --source and applies its processor options', async () => {
    const w = workspace({ etl: { channels: { fills: { processor_options: { add_notional: false } } } } });
    // The config names no source: its channels are checked once --source is loaded.
    const r = await etl([
      'run',
      '--input',
      w.ready,
      '--output',
      w.output,
      '--config',
      w.config,
      '--source',
      w.modulePath,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const db = await duckdb();
    const columns = await db.rows(
      `DESCRIBE SELECT * FROM read_parquet('${path.join(w.output, 'acme', 'fills', '**', '*.parquet')}')`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain('notional');
    expect(JSON.parse(r.stdout).datasets.fills.rows).toBe(4);
  }, 120_000);

  it('refuses --channels names, config channels and option keys the source does not declare (exit 2)', async () => {
    const cases: [unknown, string[], string][] = [
      [
        { etl: { source: 'etl-source-acme' } },
        ['--channels', 'level2'],
        'etl: --channels: unknown channel "level2" (known: fills)\n',
      ],
      [
        { etl: { source: 'etl-source-acme', channels: { level2: {} } } },
        [],
        'etl: config etl.channels.level2: unknown channel (known: fills)\n',
      ],
      [
        {
          etl: {
            source: 'etl-source-acme',
            channels: { fills: { processor_options: { add_notionl: true } } },
          },
        },
        [],
        'etl: config etl.channels.fills.processor_options.add_notionl: unknown option (known: add_notional)\n',
      ],
      [
        {
          etl: {
            source: 'etl-source-acme',
            channels: { fills: { processor_options: { add_notional: 'yes' } } },
          },
        },
        [],
        'etl: config etl.channels.fills.processor_options.add_notional: must be true or false\n',
      ],
    ];
    for (const [config, args, stderr] of cases) {
      const w = workspace(config);
      const r = await etl(['run', '--input', w.ready, '--output', w.output, '--config', w.config, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(stderr);
    }
  }, 120_000);

  it('names a module that exports no source', async () => {
    const w = workspace({});
    const other = path.join(w.root, 'not-a-source.mjs');
    writeFileSync(other, 'export default { name: "x" };\n');
    const r = await etl(['run', '--input', w.ready, '--output', w.output, '--source', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `etl: config --source: ${other} does not export a source made with defineSource (as default or "source")\n`,
    );
  }, 120_000);
});
