import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifest } from './__fixtures__/segment-manifest.js';
import { removeStaleTemporaries } from './stale-temporaries.js';

describe('removeStaleTemporaries', () => {
  it("removes only the committed segment's leftovers of earlier attempts", async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'etl-temps-'));
    const dir = path.join(out, 'level2', 'product_id=BTC-USD', 'date=2026-08-09');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(out, '_manifests'));
    const names = [
      'part-segment_1-0000.parquet',
      '.part-segment_1-0000.parquet.4242-abcd0123.tmp', // killed attempt: removed
      '.part-segment_10-0000.parquet.4242-abcd0123.tmp', // another segment: kept
      '.part-segment_1-0000.parquet.tmp.keep', // not a temporary name: kept
    ];
    for (const n of names) writeFileSync(path.join(dir, n), 'x');
    writeFileSync(path.join(out, '_manifests', '.segment_1.json.4242-00ff00ff.tmp'), 'x');
    mkdirSync(path.join(out, '_quarantine'));
    writeFileSync(path.join(out, '_quarantine', '.segment_1.ndjson.4242-00ff00ff.tmp'), 'x');
    const m = manifest('segment_1', [
      {
        dataset: 'level2',
        path: 'level2/product_id=BTC-USD/date=2026-08-09/part-segment_1-0000.parquet',
        rows: 1,
      },
    ]);
    expect(await removeStaleTemporaries(out, m)).toBe(3);
    expect(readdirSync(dir).sort()).toEqual([
      '.part-segment_1-0000.parquet.tmp.keep',
      '.part-segment_10-0000.parquet.4242-abcd0123.tmp',
      'part-segment_1-0000.parquet',
    ]);
    expect(readdirSync(path.join(out, '_manifests'))).toEqual([]);
    expect(readdirSync(path.join(out, '_quarantine'))).toEqual([]);
  });
});
