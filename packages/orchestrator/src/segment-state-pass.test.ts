import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { CoinbaseSegmentPipeline } from './segment-pipeline.js';
import { SegmentStatePass } from './segment-state-pass.js';

const FIXTURE = path.resolve(
  import.meta.dirname,
  '../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson',
);

/** The real capture as three consecutive segments (the first holds the full-depth snapshot). */
function splitFixture(dir: string): string[] {
  const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);
  mkdirSync(dir, { recursive: true });
  const size = Math.ceil(lines.length / 3);
  return [0, 1, 2].map((i) => {
    const file = path.join(dir, `segment_20260809T21_0000${i + 1}.ndjson`);
    writeFileSync(file, `${lines.slice(i * size, (i + 1) * size).join('\n')}\n`);
    return file;
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('SegmentStatePass', () => {
  it('saves the same checkpoints as conversions, writes no dataset, and lets a later segment convert exactly', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-state-pass-'));
    const [s1, s2, s3] = splitFixture(path.join(root, 'ready'));
    const sequential = new CoinbaseSegmentPipeline({ outputDir: path.join(root, 'sequential') });
    for (const f of [s1!, s2!, s3!]) await sequential.processSegment(f);

    const out = path.join(root, 'chained');
    const pass = new SegmentStatePass({ outputDir: out });
    expect(await pass.hasCheckpoint('segment_20260809T21_00001')).toBe(false);
    const r1 = await pass.run(s1!);
    const r2 = await pass.run(s2!);
    expect(r1).toMatchObject({
      inputId: 'segment_20260809T21_00001',
      restoredFrom: undefined,
      quarantinedLines: 0,
    });
    expect(r2.restoredFrom).toBe('segment_20260809T21_00001');
    expect(r2.lines).toBe(182);
    expect(await pass.hasCheckpoint('segment_20260809T21_00002')).toBe(true);
    // Only checkpoints: no dataset, manifest, quarantine or scratch file is left.
    expect(filesUnder(path.join(out, 'coinbase'))).toEqual([
      '_state/checkpoints/segment_20260809T21_00001.json',
      '_state/checkpoints/segment_20260809T21_00002.json',
    ]);
    for (const id of ['segment_20260809T21_00001', 'segment_20260809T21_00002']) {
      const expected = readFileSync(
        path.join(root, 'sequential/coinbase/_state/checkpoints', `${id}.json`),
        'utf8',
      );
      expect(readFileSync(pass.checkpointPath(id), 'utf8')).toBe(expected);
    }
    const book = JSON.parse(readFileSync(pass.checkpointPath('segment_20260809T21_00002'), 'utf8'));
    expect(book.state[0].books[0].productId).toBe('BTC-USD');
    expect(book.state[0].books[0].bids.length).toBeGreaterThan(18_000);

    // Segment 3 converted before 1 and 2 were: it restores the pass's state and writes the same bytes.
    await new CoinbaseSegmentPipeline({ outputDir: out }).processSegment(s3!);
    const level2 = (base: string) => filesUnder(path.join(base, 'coinbase/level2'));
    expect(level2(out)).toHaveLength(1);
    expect(level2(out)[0]).toMatch(
      /^product_id=BTC-USD\/date=2026-08-09\/part-segment_20260809T21_00003-\d+\.parquet$/,
    );
    for (const rel of level2(out)) {
      expect(readFileSync(path.join(out, 'coinbase/level2', rel))).toEqual(
        readFileSync(path.join(root, 'sequential/coinbase/level2', rel)),
      );
    }
  });

  it('removes the scratch an interrupted pass of the same segment left, and only that', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'etl-state-pass-'));
    const scratch = path.join(out, 'coinbase', '_state', '.state-pass');
    mkdirSync(path.join(scratch, 'segment_20260809T21_00001.4242-abcd0123', 'coinbase'), { recursive: true });
    mkdirSync(path.join(scratch, 'segment_20260809T21_00011.4242-abcd0123'), { recursive: true });
    await new SegmentStatePass({ outputDir: out }).removeScratch('segment_20260809T21_00001');
    expect(readdirSync(scratch)).toEqual(['segment_20260809T21_00011.4242-abcd0123']);
  });

  it('refuses to run without checkpoints', () => {
    expect(() => new SegmentStatePass({ outputDir: tmpdir(), checkpoints: false })).toThrow(ConfigError);
  });
});
