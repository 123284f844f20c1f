import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckdb, etl, glob, readyDir, SEGMENT } from './helpers.js';

/** The parts of the `--json` summary these tests read. */
interface RunSummary {
  segments: { processed: number; failed: number };
  datasets: Record<string, { rows: number; files: number } | undefined>;
  quarantined_lines: number;
}

/** The example plugin package of the repository (shaped for publishing as etl-plugin-trade-flow). */
const PLUGIN_DIR = path.resolve(import.meta.dirname, '../../examples/plugins/trade-flow');

function tradeFlowConfig(plugin: string, use = 'trade-flow') {
  return {
    etl: {
      channels: {
        market_trades: {
          processors: [{ use, options: { window_ms: 1000 }, output: 'trade_flow_1s' }],
        },
      },
    },
    plugins: [plugin],
  };
}

/** `etl run --json` on a fresh copy of the real segment with a config file. */
async function runWithConfig(config: unknown, setup?: (root: string) => void) {
  const { root, ready, output } = readyDir([SEGMENT]);
  setup?.(root);
  const file = path.join(root, 'etl.config.json');
  writeFileSync(file, JSON.stringify(config));
  const r = await etl(['run', '--input', ready, '--output', output, '--config', file, '--json']);
  return { ...r, output, summary: r.code === 0 ? JSON.parse(r.stdout) : undefined };
}

describe('etl run with the trade-flow plugin loaded by path from the config', () => {
  let output: string;
  let summary: RunSummary;

  beforeAll(async () => {
    const r = await runWithConfig(tradeFlowConfig(PLUGIN_DIR));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    output = r.output;
    summary = r.summary as RunSummary;
  });

  it('writes the plugin dataset beside the unchanged market_trades dataset', () => {
    expect(summary.segments).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.datasets.market_trades?.rows).toBe(147);
    expect(summary.datasets.trade_flow_1s?.rows).toBeGreaterThan(0);
  });

  it('has one row per product and second that traded, equal to the same aggregate computed by DuckDB', async () => {
    const db = await duckdb();
    const flow = `read_parquet('${glob(output, 'trade_flow_1s')}', hive_partitioning=true)`;
    const trades = `read_parquet('${glob(output, 'market_trades')}', hive_partitioning=true)`;
    const types = Object.fromEntries(
      (await db.rows(`DESCRIBE SELECT * FROM ${flow}`)).map((r) => [r.column_name, r.column_type]),
    );
    expect(types).toMatchObject({
      window_start: 'TIMESTAMP_NS',
      buy_volume: 'DOUBLE',
      buy_trades: 'BIGINT',
      imbalance: 'DOUBLE',
      product_id: 'VARCHAR',
      date: 'DATE',
    });
    const totals = await db.one(
      `SELECT count(*) AS windows, sum(buy_trades + sell_trades) AS trades,
              count(*) FILTER (WHERE epoch_ns(window_start) % 1000000000 <> 0) AS unaligned
       FROM ${flow}`,
    );
    expect(totals).toEqual({ windows: totals.windows, trades: 147n, unaligned: 0n });
    // The same windows from the trades themselves: direction = aggressor, else opposite of the maker side.
    const mismatches = await db.one(
      `WITH t AS (
         SELECT product_id, epoch_ns(time) // 1000000000 AS second, size,
                coalesce(aggressor_side, CASE side WHEN 'SELL' THEN 'buy' WHEN 'BUY' THEN 'sell' END) AS dir
         FROM ${trades}),
       expected AS (
         SELECT product_id, second,
                coalesce(sum(size) FILTER (WHERE dir = 'buy'), 0) AS buy_volume,
                coalesce(sum(size) FILTER (WHERE dir = 'sell'), 0) AS sell_volume,
                count(*) FILTER (WHERE dir = 'buy') AS buy_trades,
                count(*) FILTER (WHERE dir = 'sell') AS sell_trades
         FROM t GROUP BY ALL)
       SELECT count(*) AS n,
              count(*) FILTER (WHERE f.product_id IS NULL OR e.product_id IS NULL
                                  OR abs(f.buy_volume - e.buy_volume) > 1e-12
                                  OR abs(f.sell_volume - e.sell_volume) > 1e-12
                                  OR f.buy_trades <> e.buy_trades OR f.sell_trades <> e.sell_trades) AS bad
       FROM ${flow} f FULL JOIN expected e
         ON f.product_id = e.product_id AND epoch_ns(f.window_start) // 1000000000 = e.second`,
    );
    expect(mismatches).toEqual({ n: totals.windows, bad: 0n });
    const imbalance = await db.one(
      `SELECT count(*) FILTER (WHERE abs(imbalance - (buy_volume - sell_volume) / (buy_volume + sell_volume)) > 1e-12) AS bad
       FROM ${flow}`,
    );
    expect(imbalance.bad).toBe(0n);
  });
});

describe('etl run with the trade-flow plugin installed by name next to the config', () => {
  it('finds node_modules/etl-plugin-trade-flow and takes the qualified processor name', async () => {
    const r = await runWithConfig(
      tradeFlowConfig('etl-plugin-trade-flow', 'etl-plugin-trade-flow/trade-flow'),
      (root) => {
        mkdirSync(path.join(root, 'node_modules'));
        symlinkSync(PLUGIN_DIR, path.join(root, 'node_modules', 'etl-plugin-trade-flow'), 'dir');
      },
    );
    expect(r.code).toBe(0);
    expect(r.summary.datasets.trade_flow_1s?.rows).toBeGreaterThan(0);
    const db = await duckdb();
    const n = await db.one(
      `SELECT sum(buy_trades + sell_trades) AS n FROM read_parquet('${glob(r.output, 'trade_flow_1s')}')`,
    );
    expect(n.n).toBe(147n);
  });
});

describe('plugin configuration errors', () => {
  it('exits 2 naming the plugins entry when the plugin cannot be found', async () => {
    const r = await runWithConfig(tradeFlowConfig('etl-plugin-that-does-not-exist'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('plugins[0]');
    expect(r.stderr).toContain('etl-plugin-that-does-not-exist');
  });

  it('exits 2 naming the channel entry for an unknown processor, before any segment is touched', async () => {
    const r = await runWithConfig(tradeFlowConfig(PLUGIN_DIR, 'trade-flw'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('etl.channels.market_trades.processors[0]');
    expect(r.stderr).toContain('trade-flow');
  });
});
