/**
 * The live path with the stateful plugin chain of apps/cli/test/plugin-paths.e2e.test.ts: the
 * session replayed through the collector onto JetStream, `etl stream` (with the same config
 * file) killed after its first commit and started again. The plugins' rows equal those of
 * `etl run` on the capture as one segment, so their state crossed the restart in the stream's
 * checkpoint. (This test lives with the collector because only this package can run one.)
 */
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectNats, ensureMarketDataStream, type NatsConnection } from '@etl/stream-nats';
import { type NatsTestServer, startNatsServer } from '@etl/stream-nats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capture,
  count,
  difference,
  duckdb,
  etl,
  exited,
  FRAMES,
  REPO,
  SEGMENT,
  spawnEtlStream,
  tmp,
  until,
} from './helpers.js';

const STREAM = 'LIVE_PLUGINS';
const SUBJECT = 'plugins.coinbase.>';
const PLUGINS = path.join(REPO, 'apps/cli/test/fixtures/plugins');

function writeConfig(dir: string): string {
  const file = path.join(dir, 'etl.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      etl: {
        channels: {
          market_trades: {
            processors: [
              { use: 'rolling-vwap', options: { window_trades: 20 }, output: 'trade_vwap' },
              { use: 'vwap-deviation', output: 'trade_vwap_deviation' },
            ],
          },
        },
      },
      plugins: [path.join(PLUGINS, 'rolling-vwap.mjs'), path.join(PLUGINS, 'vwap-deviation.mjs')],
    }),
  );
  return file;
}

/** Rolls `etl stream` committed so far. */
function rolls(out: string): number {
  const dir = path.join(out, 'coinbase', '_manifests');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('stream-')).length : 0;
}

describe('collector → JetStream → etl stream with a stateful plugin chain from the config', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats(nats.url);
    await ensureMarketDataStream(nc, { name: STREAM, subjects: [SUBJECT] });
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('gives the rows of etl run on the capture as one segment, across a restart', async () => {
    const root = tmp('plugin-raw');
    const out = tmp('plugin-out');
    const config = writeConfig(tmp('plugin-config'));
    const args = ['--from', nats.url, '--output', out, '--stream', STREAM, '--subject', SUBJECT];
    const capturing = capture(
      { script: () => ({ frames: FRAMES }), speedup: 5 },
      { segments: { root }, nats: { connection: nc, subjectPrefix: 'plugins.coinbase' } },
      FRAMES.length,
    );
    const first = spawnEtlStream([...args, '--config', config, '--roll-interval', '0.2', '--no-features']);
    await until(() => rolls(out) > 0 || first.exitCode !== null);
    first.kill('SIGKILL');
    expect((await exited(first)).signal, first.output.stderr).toBe('SIGKILL');
    await capturing;
    const second = spawnEtlStream([
      ...args,
      '--config',
      config,
      '--roll-interval',
      '0.5',
      '--idle-exit',
      '1.5',
      '--no-features',
      '--json',
    ]);
    const end = await exited(second);
    expect(end.code, second.output.stderr).toBe(0);
    expect(JSON.parse(second.output.stdout).resumed_from).toBeGreaterThan(0);

    // The reference: the original capture as one segment through etl run, same config.
    const reference = tmp('plugin-ref');
    const readyDir = path.join(reference, 'ready', 'coinbase');
    const { output: batch } = await etlRunWithConfig(SEGMENT, readyDir, config);
    const q = await duckdb();
    // The plugins' columns come from the exchange's fields only, so the live capture (whose
    // capture times differ from the original's) must give exactly the original's rows.
    for (const dataset of ['trade_vwap', 'trade_vwap_deviation']) {
      expect(await count(q, out, dataset), dataset).toBe(147);
      expect(await difference(q, batch, out, dataset), dataset).toEqual([0, 0]);
    }
    expect(await count(q, out, 'market_trades')).toBe(147);
  });
});

/** `etl run --config` over one copy of `segment`. */
async function etlRunWithConfig(segment: string, ready: string, config: string) {
  mkdirSync(ready, { recursive: true });
  cpSync(segment, path.join(ready, path.basename(segment)));
  const output = path.join(path.dirname(path.dirname(ready)), 'processed');
  const r = await etl(['run', '--input', ready, '--output', output, '--config', config, '--json', '--quiet']);
  if (r.code !== 0) throw new Error(`etl run failed (${r.code}): ${r.stdout}\n${r.stderr}`);
  return { output };
}
