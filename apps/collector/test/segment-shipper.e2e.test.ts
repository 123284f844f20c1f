/**
 * Closed segments shipped to a real S3-compatible server (Swift): streamed from the local spool
 * as multipart uploads, visible in ready/ only once complete, the local copy removed; a crashed
 * upload is aborted and its segment shipped again at the next start.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ObjectStorage } from '@etl/core';
import { S3ObjectStorage } from '@etl/storage-s3';
import { createBucket, type SwiftServer, startSwiftServer } from '@etl/storage-s3/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentShipper } from '../src/segment-shipper.js';
import { SegmentWriter } from '../src/segment-writer.js';

let swift: SwiftServer;
beforeAll(async () => {
  swift = await startSwiftServer();
}, 120_000);
afterAll(async () => {
  await swift?.stop();
});

async function keys(storage: ObjectStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const object of storage.list('')) out.push(`${object.key}:${object.size}`);
  return out;
}

async function text(storage: ObjectStorage, key: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of storage.read(key)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('SegmentShipper', () => {
  it('uploads each closed segment to ready/ and removes the local copy', async () => {
    const bucket = await createBucket(swift);
    const remote = new S3ObjectStorage(bucket.bucket, 'raw/ready/coinbase', { client: bucket.client });
    const root = mkdtempSync(path.join(tmpdir(), 'etl-shipper-'));
    const shipper = new SegmentShipper(remote, path.join(root, 'ready', 'coinbase'));
    // Lines of 7 MiB in total per segment: more than one multipart part.
    const writer = new SegmentWriter({ root, maxBytes: 7 * 1024 * 1024, onClose: (f) => shipper.enqueue(f) });
    await writer.open();
    await shipper.start();
    const line = Buffer.from(`${JSON.stringify({ channel: 'l2_data', pad: 'x'.repeat(1000) })}\n`);
    for (let i = 0; i < 10_000; i++) await writer.write(line);
    await writer.close();
    expect(await shipper.drain()).toEqual({ shipped: 2, failed: 0 });
    const listed = await keys(remote);
    expect(listed).toHaveLength(2);
    const total = listed.reduce((n, k) => n + Number(k.split(':')[1]), 0);
    expect(total).toBe(10_000 * line.length);
    expect(readdirSync(path.join(root, 'ready', 'coinbase'))).toEqual([]);
    const first = listed[0]!.split(':')[0]!;
    expect((await text(remote, first)).split('\n')[0]).toBe(line.toString().trimEnd());
  });

  it('ships at start what a crashed run left, after aborting its pending upload', async () => {
    const bucket = await createBucket(swift);
    const remote = new S3ObjectStorage(bucket.bucket, 'raw/ready/coinbase', { client: bucket.client });
    const root = mkdtempSync(path.join(tmpdir(), 'etl-shipper-'));
    const ready = path.join(root, 'ready', 'coinbase');
    mkdirSync(ready, { recursive: true });
    const name = 'segment_20260809T21_00007.ndjson';
    writeFileSync(path.join(ready, name), '{"channel":"ticker"}\n');
    // The crashed run had started uploading it: a pending upload, no object.
    const crashed = await remote.upload(name);
    await crashed.write(Buffer.from('{"chan'));
    expect(await keys(remote)).toEqual([]);
    const shipper = new SegmentShipper(remote, ready);
    await shipper.start();
    expect(await shipper.drain()).toEqual({ shipped: 1, failed: 0 });
    expect(await keys(remote)).toEqual([`${name}:21`]);
    const pending: string[] = [];
    for await (const upload of remote.pendingUploads('')) pending.push(upload.key);
    expect(pending).toEqual([]);
  });
});
