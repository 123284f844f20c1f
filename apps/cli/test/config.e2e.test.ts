/**
 * The config file a seed user already has (SPEC section 6), in YAML and JSON, driving `etl run`
 * without any other flag; and bad configs, which must name the offending key and exit 2.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countFrames, etl, readyDir, SEGMENT } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the CLI's parsed JSON output; the assertions check its shape
type Json = Record<string, any>;

const expected = countFrames(SEGMENT);

/** The seed's keys; paths relative to the config file, as a seed user writes them. */
const SEED_CONFIG_YAML = `# etl.yaml: the seed's configuration keys
etl:
  input_dir: raw/ready/coinbase
  output_dir: processed
  compression: snappy
  delete_after_processing: false
  processing_dir: raw/processing/coinbase
  channels:
    level2:
      enabled: true
      partition_cols: [product_id, date]
      processor_options:
        add_derived_fields: true
        reconstruct_lob: true
        compute_features: false
    market_trades:
      partition_cols: [product_id, date]
      processor_options:
        add_derived_fields: true
        infer_aggressor: false
    ticker:
      enabled: false
`;

/** A workspace with the real segment in ready/ and `config` written next to it as `name`. */
function withConfig(name: string, config: string): { root: string; file: string } {
  const { root } = readyDir([SEGMENT]);
  const file = path.join(root, name);
  writeFileSync(file, config);
  return { root, file };
}

describe('etl run --config etl.yaml (the seed keys, no other flag)', () => {
  let root: string;
  let summary: Json;
  let inspected: Json[];

  beforeAll(async () => {
    ({ root } = withConfig('etl.yaml', SEED_CONFIG_YAML));
    const r = await etl(['run', '--config', path.join(root, 'etl.yaml'), '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    summary = JSON.parse(r.stdout);
    inspected = JSON.parse((await etl(['inspect', path.join(root, 'processed'), '--json'])).stdout).datasets;
  });

  it('reads input_dir and writes to output_dir, both relative to the config file', () => {
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.datasets.level2.rows).toBe(expected.l2Updates);
    expect(existsSync(path.join(root, 'processed', 'coinbase', 'level2'))).toBe(true);
  });

  it('keeps the input (delete_after_processing: false) in done/', () => {
    expect(readdirSync(path.join(root, 'raw', 'ready', 'coinbase'))).toEqual([]);
    expect(readdirSync(path.join(root, 'raw', 'done', 'coinbase'))).toEqual([path.basename(SEGMENT)]);
  });

  it('applies compression, enabled, partition_cols and processor_options', () => {
    expect(Object.keys(summary.datasets)).not.toContain('ticker');
    for (const d of inspected) expect(d.compression, d.name).toEqual(['SNAPPY']);
    const level2 = inspected.find((d) => d.name === 'level2')!;
    const columns = level2.schema.map((c: Json) => c.name);
    expect(columns).toContain('best_bid_price'); // reconstruct_lob
    expect(columns).toContain('spread_bps'); // add_derived_fields
    expect(columns).not.toContain('microprice'); // compute_features: false
    expect(Object.keys(level2.partitions)).toEqual(['product_id', 'date']);
    const trades = inspected.find((d) => d.name === 'market_trades')!;
    expect(trades.schema.map((c: Json) => c.name)).not.toContain('aggressor_side'); // infer_aggressor: false
  });
});

describe('etl run --config etl.json', () => {
  it('takes the same keys in JSON', async () => {
    const config = {
      etl: {
        input_dir: 'raw/ready/coinbase',
        output_dir: 'processed',
        channels: { ticker: { enabled: false }, candles: { enabled: false } },
      },
    };
    const { root, file } = withConfig('etl.json', JSON.stringify(config));
    const r = await etl(['run', '--config', file, '--json']);
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout).datasets).sort()).toEqual(['level2', 'market_trades', 'quality']);
    expect(readdirSync(path.join(root, 'raw', 'ready', 'coinbase'))).toEqual([]); // deleted by default
  });

  it('lets flags win over the file', async () => {
    const { root, file } = withConfig(
      'etl.json',
      JSON.stringify({ etl: { input_dir: 'nowhere', output_dir: 'processed' } }),
    );
    const other = path.join(root, 'elsewhere');
    const r = await etl([
      'run',
      '--config',
      file,
      '--input',
      path.join(root, 'raw', 'ready', 'coinbase'),
      '--output',
      other,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).segments.processed).toBe(1);
    expect(existsSync(path.join(other, 'coinbase', 'level2'))).toBe(true);
    expect(existsSync(path.join(root, 'processed'))).toBe(false);
  });
});

describe('bad config files exit 2 and name the key', () => {
  const cases: [string, string, string][] = [
    ['an unknown top-level key', 'etll:\n  input_dir: x\n', 'config etll: unknown top-level key'],
    ['a misspelt etl key', 'etl:\n  compresion: zstd\n', 'config etl.compresion: unknown key'],
    [
      'a bad compression',
      'etl:\n  compression: lz4\n',
      'config etl.compression: must be one of zstd, snappy, gzip, none, got "lz4"',
    ],
    [
      'a non-boolean',
      'etl:\n  delete_after_processing: "yes"\n',
      'config etl.delete_after_processing: must be true or false',
    ],
    [
      'an unknown channel',
      'etl:\n  channels:\n    orderbook: {}\n',
      'config etl.channels.orderbook: unknown channel',
    ],
    [
      'partition_cols not a list',
      'etl:\n  channels:\n    level2:\n      partition_cols: date\n',
      'config etl.channels.level2.partition_cols: must be a list',
    ],
    [
      'a misspelt channel key',
      'etl:\n  channels:\n    ticker:\n      enable: false\n',
      'config etl.channels.ticker.enable: unknown key',
    ],
    ['plugins not a list', 'plugins: trade-flow\n', 'config plugins: must be a list'],
    [
      'a misspelt processor option',
      'etl:\n  channels:\n    level2:\n      processor_options:\n        reconstruct_lobb: true\n',
      'config etl.channels.level2.processor_options.reconstruct_lobb: unknown option',
    ],
    [
      'a processor option of the wrong type',
      'etl:\n  channels:\n    market_trades:\n      processor_options:\n        infer_aggressor: "no"\n',
      'config etl.channels.market_trades.processor_options.infer_aggressor: must be true or false',
    ],
  ];
  for (const [what, yaml, message] of cases) {
    it(`${what}`, async () => {
      const { file, root } = withConfig('etl.yaml', yaml);
      const r = await etl([
        'run',
        '--config',
        file,
        '--input',
        path.join(root, 'raw', 'ready', 'coinbase'),
        '--output',
        path.join(root, 'out'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toContain(message);
      // Nothing was touched: the segment is still waiting.
      expect(readdirSync(path.join(root, 'raw', 'ready', 'coinbase'))).toEqual([path.basename(SEGMENT)]);
    });
  }

  it('a YAML syntax error, with the line it is on', async () => {
    const { file } = withConfig('etl.yaml', 'etl:\n  channels: [\n');
    const r = await etl(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`config --config: ${file} is not valid YAML`);
    expect(r.stderr).toMatch(/line \d+, column \d+/);
  });

  it('a missing config file', async () => {
    const dir = readyDir([]).root;
    mkdirSync(path.join(dir, 'x'));
    const r = await etl(['run', '--config', path.join(dir, 'x', 'etl.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`config --config: cannot read ${path.join(dir, 'x', 'etl.yaml')}`);
  });
});
