/**
 * Usage mistakes exit 2 with one clear sentence, before any segment is claimed: the input stays
 * byte for byte where it was and nothing is written (issue: never lose a user's input).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { etl, readyDir, SEGMENT } from './helpers.js';
import { tree } from './tree.js';

/** Runs `etl` on a fresh ready/ holding the real segment; asserts exit 2 and an untouched tree. */
async function refused(args: (dirs: { ready: string; output: string; root: string }) => string[]) {
  const dirs = readyDir([SEGMENT]);
  const argv = args(dirs); // may set up a config file first
  const before = tree(dirs.root);
  const r = await etl(argv);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(tree(dirs.root)).toEqual(before);
  expect(Object.keys(before)).toContain(
    path.relative(dirs.root, path.join(dirs.ready, path.basename(SEGMENT))),
  );
  return { ...r, ...dirs };
}

const KNOWN = '(known: level2, market_trades, ticker, candles)';

describe('usage mistakes are exit 2 and touch nothing', () => {
  it('an unknown --channels name, listing the known ones', async () => {
    const typo = await refused(({ ready, output }) => [
      'run',
      '--input',
      ready,
      '--output',
      output,
      '--channels',
      'trades',
    ]);
    expect(typo.stderr).toBe(`etl: --channels: unknown channel "trades" ${KNOWN}\n`);
    const mixed = await refused(({ ready, output }) => [
      'watch',
      '--input',
      ready,
      '--output',
      output,
      '--channels',
      'level2,bogus',
    ]);
    expect(mixed.stderr).toBe(`etl: --channels: unknown channel "bogus" ${KNOWN}\n`);
  });

  it('counts plugin outputs of the config among the known channels', async () => {
    const r = await refused(({ ready, output, root }) => {
      const config = path.join(root, 'etl.json');
      writeFileSync(
        config,
        JSON.stringify({
          etl: { channels: { market_trades: { processors: [{ use: 'vwap', output: 'bars_1m' }] } } },
        }),
      );
      return [
        'run',
        '--input',
        ready,
        '--output',
        output,
        '--config',
        config,
        '--channels',
        'bars_1m,bars_5m',
      ];
    });
    expect(r.stderr).toBe(
      'etl: --channels: unknown channel "bars_5m" (known: level2, market_trades, ticker, candles, bars_1m)\n',
    );
  });

  it('a missing --input, or one that is a file: it must be a directory of segments', async () => {
    const missing = await refused(({ ready, output }) => [
      'run',
      '--input',
      `${ready}-typo`,
      '--output',
      output,
    ]);
    expect(missing.stderr).toBe(
      `etl: --input ${missing.ready}-typo does not exist: it must be a directory of segments (e.g. data/raw/ready/coinbase)\n`,
    );
    const file = await refused(({ ready, output }) => [
      'run',
      '--input',
      path.join(ready, path.basename(SEGMENT)),
      '--output',
      output,
    ]);
    expect(file.stderr).toMatch(
      /^etl: --input \S+segment_20260809T21_00001\.ndjson is not a directory: it must be a directory of segments/,
    );
    expect(file.stderr).not.toMatch(/ENOTDIR|\n {4}at /);
    // `watch` waits for a directory that does not exist yet, but refuses a file.
    const watch = await refused(({ ready, output }) => [
      'watch',
      '--input',
      path.join(ready, path.basename(SEGMENT)),
      '--output',
      output,
    ]);
    expect(watch.stderr).toContain('is not a directory: it must be a directory of segments');
  });

  it('an --output that exists and is not a directory', async () => {
    const r = await refused(({ ready, root }) => {
      writeFileSync(path.join(root, 'out.txt'), 'not a directory\n');
      return ['run', '--input', ready, '--output', path.join(root, 'out.txt')];
    });
    expect(r.stderr).toBe(
      `etl: --output ${path.join(r.root, 'out.txt')} exists and is not a directory: name a directory for the Parquet output\n`,
    );
  });

  it('impossible dates', async () => {
    for (const args of [
      ['--date', '2026-02-30'],
      ['--mode', 'date', '--date', '2026-13-01'],
      ['--start-date', '2026-08-01', '--end-date', '2026-08-32'],
      ['--date', '20260809'],
    ]) {
      const r = await refused(({ ready, output }) => ['run', '--input', ready, '--output', output, ...args]);
      expect(r.stderr).toMatch(/^etl: --(date|end-date) must be a calendar date YYYY-MM-DD, got \S+\n$/);
    }
  });

  it('date flags that contradict --mode, or each other', async () => {
    const cases: [string[], string][] = [
      [
        ['--mode', 'all', '--date', '2026-08-09'],
        '--mode all contradicts --date (which imply --mode date): drop one',
      ],
      [
        ['--mode', 'date', '--start-date', '2026-08-09', '--end-date', '2026-08-10'],
        '--mode date contradicts --start-date/--end-date (which imply --mode range): drop one',
      ],
      [
        ['--date', '2026-08-09', '--start-date', '2026-08-09'],
        'give --date, or --start-date with --end-date, not both',
      ],
      [
        ['--start-date', '2026-08-09'],
        'a date range needs both --start-date and --end-date (YYYY-MM-DD, inclusive)',
      ],
      [['--mode', 'date'], '--mode date needs --date YYYY-MM-DD'],
      [['--mode', 'day'], '--mode must be all, date or range, got day'],
    ];
    for (const [args, message] of cases) {
      const r = await refused(({ ready, output }) => ['run', '--input', ready, '--output', output, ...args]);
      expect(r.stderr).toBe(`etl: ${message}\n`);
    }
  });

  it('--date alone implies --mode date: a segment of another date stays in ready/', async () => {
    const { root, ready, output } = readyDir([SEGMENT]);
    const before = tree(root);
    const r = await etl(['run', '--input', ready, '--output', output, '--date', '2026-08-10', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).segments.processed).toBe(0);
    const after = tree(root);
    for (const [k, v] of Object.entries(before)) expect(after[k]).toBe(v);
    const same = await etl(['run', '--input', ready, '--output', output, '--date', '2026-08-09', '--json']);
    expect(JSON.parse(same.stdout).segments.processed).toBe(1);
  });

  it('a bad --source, --max-errors, or --keep-input with --in-place', async () => {
    const cases: [string[], string][] = [
      [['--source', 'kraken'], '--source must be coinbase or coinbase-exchange, got kraken'],
      [['--max-errors=-1'], '--max-errors must be a whole number ≥ 0, got -1'],
      [
        ['--max-errors', '-1'],
        '--max-errors needs a value, got an option after it (write --max-errors=<value> for a value that starts with "-")',
      ],
      [['--max-errors', 'ten'], '--max-errors must be a whole number ≥ 0, got ten'],
      [
        ['--keep-input', '--in-place'],
        '--in-place leaves the input where it is; --keep-input moves it to done/: give one',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await refused(({ ready, output }) => ['run', '--input', ready, '--output', output, ...args]);
      expect(r.stderr).toBe(`etl: ${message}\n`);
    }
    const watch = await refused(({ ready, output }) => [
      'watch',
      '--input',
      ready,
      '--output',
      output,
      '--settle=-1',
    ]);
    expect(watch.stderr).toBe('etl: --settle must be a number ≥ 0 of seconds\n');
  });

  it('stream refuses the Exchange feed it cannot read, before connecting', async () => {
    const stream = await refused(({ output }) => [
      'stream',
      '--from',
      'nats://127.0.0.1:1',
      '--output',
      output,
      '--source',
      'coinbase-exchange',
    ]);
    expect(stream.stderr).toContain('etl stream reads the coinbase (Advanced Trade) feed only');
    const channels = await refused(({ output }) => [
      'worker',
      '--queue',
      'redis://127.0.0.1:1',
      '--output',
      output,
      '--channels',
      'trades',
    ]);
    expect(channels.stderr).toBe(`etl: --channels: unknown channel "trades" ${KNOWN}\n`);
  });
});

describe('files with an unsupported compression', () => {
  it('are named in a warning and in the summary, and left where they are', async () => {
    const { root, ready, output } = readyDir([
      SEGMENT,
      [SEGMENT, 'segment_20260809T21_00002.ndjson.bz2'],
      [SEGMENT, 'segment_20260809T21_00003.ndjson.xz'],
      [SEGMENT, 'segment_20260809T21_00004.json.gz'],
    ]);
    const unsupported = [
      'segment_20260809T21_00002.ndjson.bz2',
      'segment_20260809T21_00003.ndjson.xz',
      'segment_20260809T21_00004.json.gz',
    ];
    const before = tree(root);
    const r = await etl(['run', '--input', ready, '--output', output, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.segments.processed).toBe(1);
    expect(summary.unsupported_files).toEqual(unsupported);
    expect(r.stderr).toContain(`warn  left in ${ready}: 3 files with a compression the ETL cannot read`);
    expect(r.stderr).toContain(`files="${unsupported.join(', ')}"`);
    const after = tree(root);
    for (const name of unsupported) {
      const key = path.relative(root, path.join(ready, name));
      expect(after[key]).toBe(before[key]);
    }
    const text = await etl(['run', '--input', ready, '--output', output]);
    expect(text.stdout).toContain(
      `NOT READ (compression not supported, left in place): ${unsupported.join(', ')}`,
    );
  });
});
