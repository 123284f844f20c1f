/**
 * `etl watch --compact` (issue 18): closed dates are compacted beside the conversions once no
 * segment of such a date is left; a segment arriving later for the date is merged in next time.
 * Without the flag nothing is compacted.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readyDir } from './helpers.js';
import { reconnectSegment, spawnEtl, splitFixture } from './workspace.js';

function level2Files(output: string): string[] {
  return readdirSync(path.join(output, 'coinbase', 'level2', 'product_id=BTC-USD', 'date=2026-08-09')).filter(
    (n) => n.endsWith('.parquet'),
  );
}
function tradeFiles(output: string): string[] {
  return readdirSync(
    path.join(output, 'coinbase', 'market_trades', 'product_id=BTC-USD', 'date=2026-08-09'),
  ).filter((n) => n.endsWith('.parquet') && !n.startsWith('.'));
}

describe('etl watch --compact', () => {
  it('compacts a closed date once its segments are converted, and again after a late segment', async () => {
    const dirs = readyDir([]);
    splitFixture(dirs.ready, 4);
    const args = [
      'watch',
      '--input',
      dirs.ready,
      '--output',
      dirs.output,
      '--poll-interval',
      '0.2',
      '--settle',
      '0',
    ];
    const watch = spawnEtl([...args, '--compact', '--log-format', 'json']);
    try {
      expect(await watch.waitFor(/"msg":"closed dates compacted","compacted":5/)).toBe(true);
      expect(level2Files(dirs.output)).toHaveLength(1);
      expect(level2Files(dirs.output)[0]).toMatch(/^part-compacted-/);
      reconnectSegment(dirs.ready, 'segment_20260809T21_00009.ndjson');
      expect(
        await watch.waitFor(
          /"msg":"closed dates compacted","compacted":[1-9][\s\S]*"msg":"closed dates compacted","compacted":[1-9]/,
        ),
      ).toBe(true);
      expect(tradeFiles(dirs.output)).toHaveLength(1);
    } finally {
      watch.child.kill('SIGTERM');
    }
    const exit = await watch.exit;
    expect(exit.code, exit.stderr).toBe(0);
  }, 300_000);

  it('leaves the files alone without --compact', async () => {
    const dirs = readyDir([]);
    splitFixture(dirs.ready, 4);
    const watch = spawnEtl([
      'watch',
      '--input',
      dirs.ready,
      '--output',
      dirs.output,
      '--poll-interval',
      '0.2',
      '--settle',
      '0',
      '--log-format',
      'json',
    ]);
    try {
      expect(await watch.waitFor(/"segment":"segment_20260809T21_00004.ndjson"/)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      expect(level2Files(dirs.output)).toHaveLength(4);
    } finally {
      watch.child.kill('SIGTERM');
    }
    expect((await watch.exit).code).toBe(0);
  }, 300_000);
});
