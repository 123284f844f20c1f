import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SegmentManifest } from '@etl/orchestrator/internal';
import { describe, expect, it } from 'vitest';
import { manifest } from './__fixtures__/segment-manifest.js';
import { commitDate, dateDir } from './date-commit.js';

function writeManifest(outRoot: string, m: SegmentManifest): void {
  mkdirSync(path.join(outRoot, '_manifests'), { recursive: true });
  writeFileSync(path.join(outRoot, '_manifests', `${m.inputId}.json`), JSON.stringify(m));
}

describe('commitDate', () => {
  it('lists every committed segment of the date, sums datasets and marks the date complete', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'etl-date-'));
    writeManifest(
      out,
      manifest('segment_20260809T21_00001', [
        { dataset: 'level2', path: 'level2/a.parquet', rows: 5 },
        { dataset: 'ticker', path: 'ticker/a.parquet', rows: 2 },
      ]),
    );
    writeManifest(
      out,
      manifest('segment_20260809T22_00002', [{ dataset: 'level2', path: 'level2/b.parquet', rows: 7 }]),
    );
    writeManifest(
      out,
      manifest('segment_20260810T00_00003', [{ dataset: 'level2', path: 'level2/c.parquet', rows: 100 }]),
    );
    writeManifest(
      out,
      manifest(
        'segment_20260809T23_00004',
        [{ dataset: 'level2', path: 'level2/d.parquet', rows: 100 }],
        false,
      ),
    );
    const r = await commitDate(out, '2026-08-09', []);
    expect(r.manifest.complete).toBe(true);
    expect(r.manifest.segments.map((s) => s.inputId)).toEqual([
      'segment_20260809T21_00001',
      'segment_20260809T22_00002',
    ]);
    expect(r.manifest.datasets).toEqual({
      level2: { rows: 12, files: 2, bytes: 120 },
      ticker: { rows: 2, files: 1, bytes: 20 },
    });
    expect(r.manifest.quarantinedLines).toBe(2);
    expect(readdirSync(dateDir(out, '2026-08-09')).sort()).toEqual(['_SUCCESS', 'manifest.json']);
    expect(JSON.parse(readFileSync(r.manifestPath, 'utf8'))).toEqual(r.manifest);
  });

  it('records failed segments and withdraws an earlier success marker', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'etl-date-'));
    writeManifest(
      out,
      manifest('segment_20260809T21_00001', [{ dataset: 'level2', path: 'level2/a.parquet', rows: 5 }]),
    );
    await commitDate(out, '2026-08-09', []);
    const r = await commitDate(out, '2026-08-09', [
      { segment: 'segment_20260809T21_00002', reason: 'bad input' },
    ]);
    expect(r.manifest).toMatchObject({
      complete: false,
      failed: [{ segment: 'segment_20260809T21_00002', reason: 'bad input' }],
    });
    expect(r.successPath).toBeUndefined();
    expect(existsSync(path.join(dateDir(out, '2026-08-09'), '_SUCCESS'))).toBe(false);
  });
});
