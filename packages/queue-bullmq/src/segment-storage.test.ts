import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { splitFixtureSegment } from './__fixtures__/segments.js';
import { SharedFileSystemStorage } from './segment-storage.js';

function readyDir(): { root: string; ready: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-storage-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  return { root, ready };
}

describe('SharedFileSystemStorage', () => {
  const storage = new SharedFileSystemStorage();

  it('lists ready segments in id order with file URLs and dates, skipping other files', async () => {
    const { ready } = readyDir();
    splitFixtureSegment(ready, 3);
    writeFileSync(path.join(ready, 'segment_20260809T20_00009.ndjson.zst'), '');
    writeFileSync(path.join(ready, '.segment_20260809T21_00004.ndjson'), '');
    writeFileSync(path.join(ready, 'notes.txt'), '');
    const list = await storage.list(ready);
    expect(list.map((s) => s.inputId)).toEqual([
      'segment_20260809T20_00009',
      'segment_20260809T21_00001',
      'segment_20260809T21_00002',
      'segment_20260809T21_00003',
    ]);
    expect(list[1]).toEqual({
      inputId: 'segment_20260809T21_00001',
      segment: 'segment_20260809T21_00001.ndjson',
      url: pathToFileURL(path.join(ready, 'segment_20260809T21_00001.ndjson')).href,
      date: '2026-08-09',
    });
    expect(await storage.list(pathToFileURL(ready).href)).toEqual(list);
    expect(await storage.localPath(list[1]!.url)).toBe(path.join(ready, 'segment_20260809T21_00001.ndjson'));
  });

  it('refuses a missing input directory and URLs it cannot read', async () => {
    await expect(storage.list('/nonexistent/ready/dir')).rejects.toBeInstanceOf(ConfigError);
    await expect(storage.localPath('s3://bucket/segment_1.ndjson')).rejects.toThrow(
      /shared filesystem \(file:\/\/ URLs\) only/,
    );
  });

  it('deletes a finished segment, or moves it to done/, and tolerates a second finish', async () => {
    const { root, ready } = readyDir();
    const [a, b] = splitFixtureSegment(ready, 2).map((f) => pathToFileURL(f).href);
    await storage.finish(a!, false);
    expect(await storage.exists(a!)).toBe(false);
    expect(existsSync(path.join(root, 'raw', 'done'))).toBe(false);
    await storage.finish(b!, true);
    expect(readdirSync(path.join(root, 'raw', 'done', 'coinbase'))).toEqual([
      'segment_20260809T21_00002.ndjson',
    ]);
    await storage.finish(b!, true); // a duplicate run finishing again
    expect(readdirSync(ready)).toEqual([]);
  });

  it('moves a failed segment to failed/ with its error report, never deleting it', async () => {
    const { root, ready } = readyDir();
    const [file] = splitFixtureSegment(ready, 1);
    const report = {
      segment: 'segment_20260809T21_00001.ndjson',
      failed_at: '2026-08-09T21:10:00.000Z',
      error: 'boom',
      attempts: 3,
      job: 'etl-convert/segment_20260809T21_00001',
    };
    await storage.fail(pathToFileURL(file!).href, report);
    const failed = path.join(root, 'raw', 'failed', 'coinbase');
    expect(readdirSync(failed).sort()).toEqual([
      'segment_20260809T21_00001.ndjson',
      'segment_20260809T21_00001.ndjson.error.json',
    ]);
    expect(
      JSON.parse(readFileSync(path.join(failed, 'segment_20260809T21_00001.ndjson.error.json'), 'utf8')),
    ).toEqual(report);
    expect(
      readFileSync(path.join(failed, 'segment_20260809T21_00001.ndjson'), 'utf8').split('\n').length,
    ).toBe(547);
  });
});
