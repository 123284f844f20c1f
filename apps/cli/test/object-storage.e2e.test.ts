/**
 * `etl run` with s3:// input and output against a real S3-compatible server (OpenStack Swift with
 * s3api, started once for this file): the datasets equal a local run's, ready/ ends empty, a
 * killed run rerun gives the same objects and leaves no pending multipart upload, a second run
 * on a leased input is refused, a bad segment goes to failed/ with its report.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ObjectStorage } from '@etl/core';
import { type RedisTestServer, startRedisServer } from '@etl/queue-bullmq/testing';
import type { S3ObjectStorage } from '@etl/storage-s3';
import { createBucket, type SwiftServer, startSwiftServer } from '@etl/storage-s3/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDifference, duckdb, etl } from './helpers.js';
import { seeded, sleep, spawnEtl, splitFixture } from './workspace.js';

const DATASETS = ['level2', 'market_trades', 'ticker', 'candles', 'quality'];
let swift: SwiftServer;
/** Four consecutive segments of the real session. */
let segmentsDir: string;
/** A local run's output over the same segments. */
let localOutput: string;

beforeAll(async () => {
  swift = await startSwiftServer();
  Object.assign(process.env, swift.env);
  segmentsDir = await mkdtemp(path.join(tmpdir(), 'etl-s3-segments-'));
  splitFixture(segmentsDir, 4);
  const root = await mkdtemp(path.join(tmpdir(), 'etl-s3-local-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  for (const name of readdirSync(segmentsDir)) {
    writeFileSync(
      path.join(ready, name),
      await import('node:fs/promises').then((fs) => fs.readFile(path.join(segmentsDir, name))),
    );
  }
  localOutput = path.join(root, 'processed');
  const local = await etl(['run', '--input', ready, '--output', localOutput, '--json']);
  expect(local.code, local.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await swift?.stop();
});

async function keys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const object of storage.list(prefix)) out.push(object.key);
  return out;
}

async function pending(storage: ObjectStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const upload of storage.pendingUploads('')) out.push(upload.key);
  return out;
}

/** A bucket with the four segments in `raw/ready/coinbase/`. */
async function bucketWithSegments(): Promise<S3ObjectStorage> {
  const bucket = await createBucket(swift);
  for (const name of readdirSync(segmentsDir).sort()) {
    const bytes = await import('node:fs/promises').then((fs) => fs.readFile(path.join(segmentsDir, name)));
    await bucket.put(`raw/ready/coinbase/${name}`, bytes);
  }
  return bucket;
}

/** Downloads `prefix/` of the bucket into a new local directory. */
async function download(bucket: S3ObjectStorage, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-s3-download-'));
  for (const key of await keys(bucket, `${prefix}/`)) {
    const file = path.join(dir, ...key.slice(prefix.length + 1).split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    const chunks: Uint8Array[] = [];
    for await (const chunk of bucket.read(key)) chunks.push(chunk);
    await writeFile(file, Buffer.concat(chunks));
  }
  return dir;
}

async function expectSameAsLocal(bucket: S3ObjectStorage): Promise<void> {
  const downloaded = await download(bucket, 'processed');
  const db = await duckdb();
  for (const dataset of DATASETS) {
    const diff = await datasetDifference(db, localOutput, downloaded, dataset);
    expect(diff, dataset).toMatchObject({ missing: 0, extra: 0 });
    expect(diff.rows, dataset).toBeGreaterThan(0);
  }
}

const runArgs = (bucket: S3ObjectStorage) => [
  'run',
  '--input',
  `s3://${bucket.bucket}/raw/ready/coinbase`,
  '--output',
  `s3://${bucket.bucket}/processed`,
  '--json',
];

describe('etl run with s3:// input and output (Swift)', () => {
  it('gives the datasets of a local run and empties ready/', async () => {
    const bucket = await bucketWithSegments();
    const result = await etl(runArgs(bucket));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).segments).toMatchObject({ processed: 4, failed: 0 });
    // No credential in the output, the logs or any object written (manifests, checkpoints).
    expect(`${result.stdout}${result.stderr}`).not.toContain(swift.secretAccessKey);
    for (const key of await keys(bucket, 'processed/coinbase/_')) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of bucket.read(key)) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      expect(text, key).not.toContain(swift.secretAccessKey);
      expect(text, key).not.toContain(swift.accessKeyId);
    }
    expect(await keys(bucket, 'raw/ready/')).toEqual([]);
    expect(await keys(bucket, 'raw/processing/')).toEqual([]);
    expect(await keys(bucket, 'processed/coinbase/_commits/')).toEqual([]);
    expect(await keys(bucket, 'processed/coinbase/_manifests/')).toHaveLength(4);
    expect(await pending(bucket)).toEqual([]);
    await expectSameAsLocal(bucket);

    // etl inspect s3://… (footers only) says what it says about the downloaded copy.
    const url = `s3://${bucket.bucket}/processed/coinbase/level2`;
    const downloaded = await download(bucket, 'processed');
    const remote = await etl(['inspect', url, '--json']);
    const local = await etl(['inspect', path.join(downloaded, 'coinbase', 'level2'), '--json']);
    expect(remote.code, remote.stderr).toBe(0);
    const remoteJson = JSON.parse(remote.stdout);
    const localJson = JSON.parse(local.stdout.replaceAll(path.join(downloaded, 'coinbase', 'level2'), url));
    expect(remoteJson.target).toBe(url);
    expect(remoteJson).toEqual(localJson);
    expect(remoteJson.rows).toBeGreaterThan(0);
  }, 300_000);

  it('reads .gz and .zst segments from the bucket like plain ones', async () => {
    const bucket = await createBucket(swift);
    const names = readdirSync(segmentsDir).sort();
    for (const [i, name] of names.entries()) {
      const bytes = readFileSync(path.join(segmentsDir, name));
      if (i % 3 === 0) await bucket.put(`raw/ready/coinbase/${name}.gz`, gzipSync(bytes));
      else if (i % 3 === 1) {
        const zst = spawnSync('zstd', ['-q', '-c'], { input: bytes, maxBuffer: 64 << 20 });
        expect(zst.status, String(zst.stderr)).toBe(0);
        await bucket.put(`raw/ready/coinbase/${name}.zst`, zst.stdout);
      } else await bucket.put(`raw/ready/coinbase/${name}`, bytes);
    }
    const result = await etl(runArgs(bucket));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).segments).toMatchObject({ processed: 4, failed: 0 });
    expect(await keys(bucket, 'raw/ready/')).toEqual([]);
    await expectSameAsLocal(bucket);
  }, 300_000);

  it('etl query over s3:// without DuckDB httpfs: exit 2, one line naming the install command', async () => {
    const db = await duckdb();
    const httpfs = await db.rows("SELECT installed FROM duckdb_extensions() WHERE extension_name = 'httpfs'");
    if (httpfs[0]?.installed === true) return; // a machine that has it queries S3 instead
    const bucket = await createBucket(swift);
    const result = await etl([
      'query',
      'SELECT count(*) FROM level2',
      '--output',
      `s3://${bucket.bucket}/processed`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'etl: etl query over s3:// needs DuckDB\'s httpfs extension, which is not installed here: install it once with: etl query "INSTALL httpfs"',
    ]);
    expect(result.stderr).not.toContain(swift.secretAccessKey);
  });

  it('SIGKILLed at random instants and rerun: the same objects, no pending upload', async () => {
    const clean = await bucketWithSegments();
    expect((await etl(runArgs(clean))).code).toBe(0);
    const cleanKeys = await keys(clean, '');

    const bucket = await bucketWithSegments();
    const random = seeded(Number(process.env.ETL_KILL_SEED ?? 17));
    // How long a whole run takes here (as a child process, start-up included).
    const started = performance.now();
    const timing = await spawnEtl(runArgs(await bucketWithSegments())).exit;
    expect(timing.code, timing.stderr).toBe(0);
    const runMs = performance.now() - started;
    let kills = 0;
    let reachedCommits = 0;
    for (let attempt = 0; attempt < 40 && kills < 12; attempt++) {
      const child = spawnEtl(runArgs(bucket));
      if (attempt % 2 === 0) {
        // At a random instant of the run...
        await sleep(random() * runMs);
      } else {
        // ...or just after the local job finished a segment: in its upload and commit window.
        await child.waitFor(/segment processed/);
        await sleep(random() * 1500);
      }
      if (child.child.kill('SIGKILL')) {
        const exit = await child.exit;
        if (exit.signal === 'SIGKILL') {
          kills++;
          const committed = (await keys(bucket, 'processed/coinbase/_manifests/')).length;
          const records = (await keys(bucket, 'processed/coinbase/_commits/')).length;
          const uploads = (await pendingUploads(bucket)).length;
          if (committed + records + uploads > 0) reachedCommits++;
          console.log(
            `s3 kill ${kills}: ${committed} segments published, ${records} commit records, ${uploads} pending uploads`,
          );
        } else expect(exit.code, exit.stderr).toBe(0);
      } else await child.exit;
      if ((await keys(bucket, 'raw/ready/')).length === 0) {
        // Finished before the kill: start again from the segments.
        for (const key of await keys(bucket, '')) await bucket.delete(key);
        for (const upload of await pendingUploads(bucket)) await bucket.abortUpload(upload);
        for (const name of readdirSync(segmentsDir).sort()) {
          const bytes = await import('node:fs/promises').then((fs) =>
            fs.readFile(path.join(segmentsDir, name)),
          );
          await bucket.put(`raw/ready/coinbase/${name}`, bytes);
        }
      }
    }
    // Kills landed while output was being published, not only before the first upload.
    expect(reachedCommits).toBeGreaterThan(0);
    expect(kills).toBeGreaterThanOrEqual(10);
    const last = await etl(runArgs(bucket));
    expect(last.code, last.stderr).toBe(0);
    expect(await keys(bucket, 'raw/ready/')).toEqual([]);
    expect(await pending(bucket)).toEqual([]);
    // Every object a clean run leaves, nothing else (no lease, no commit record, no stray part).
    expect(await keys(bucket, '')).toEqual(cleanKeys);
    await expectSameAsLocal(bucket);
  }, 1_500_000);

  it('refuses a second run while another holds the input, pointing to enqueue/worker', async () => {
    const bucket = await bucketWithSegments();
    const first = spawnEtl(runArgs(bucket));
    for (let i = 0; i < 1200 && !(await bucket.stat('raw/processing/coinbase/lease.json')); i++)
      await sleep(100);
    expect(await bucket.stat('raw/processing/coinbase/lease.json')).toBeDefined();
    const second = await etl(runArgs(bucket));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('is being converted by another etl run');
    expect(second.stderr).toContain('etl enqueue and etl worker');
    const exit = await first.exit;
    expect(exit.code, exit.stderr).toBe(0);
    // The AWS SDK's Node version notice stays out of the CLI's output.
    expect(exit.stderr).not.toContain('NodeVersionSupportWarning');
    expect(await keys(bucket, 'raw/ready/')).toEqual([]);
    expect(await keys(bucket, 'raw/processing/')).toEqual([]);
  }, 300_000);

  it('moves a segment with no convertible line to failed/ with its report', async () => {
    const bucket = await createBucket(swift);
    await bucket.put(
      'raw/ready/coinbase/segment_20260809T22_00001.ndjson',
      Buffer.from('not json\n{also bad\n'),
    );
    const result = await etl(runArgs(bucket));
    expect(result.code, result.stderr).toBe(1);
    expect(await keys(bucket, 'raw/ready/')).toEqual([]);
    expect(await keys(bucket, 'raw/failed/')).toEqual([
      'raw/failed/coinbase/segment_20260809T22_00001.ndjson',
      'raw/failed/coinbase/segment_20260809T22_00001.ndjson.error.json',
    ]);
  }, 300_000);
});

async function pendingUploads(storage: ObjectStorage) {
  const out = [];
  for await (const upload of storage.pendingUploads('')) out.push(upload);
  return out;
}

describe('etl worker --output s3:// (Swift, Redis)', () => {
  let redis: RedisTestServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  /** The four segments in a new local ready directory, enqueued on queue `name`. */
  async function enqueued(name: string): Promise<{ ready: string; queue: string[] }> {
    const ready = path.join(await mkdtemp(path.join(tmpdir(), 'etl-s3-queue-')), 'ready', 'coinbase');
    mkdirSync(ready, { recursive: true });
    for (const file of readdirSync(segmentsDir)) {
      writeFileSync(path.join(ready, file), readFileSync(path.join(segmentsDir, file)));
    }
    const queue = ['--queue', redis.url, '--queue-name', name];
    const result = await etl(['enqueue', '--input', ready, ...queue, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ segments: 4, added: 4 });
    return { ready, queue };
  }

  it('three worker processes give the datasets of one local run, the date manifest, no pending upload', async () => {
    const bucket = await createBucket(swift);
    const { ready, queue } = await enqueued('s3-three-workers');

    const output = `s3://${bucket.bucket}/processed`;
    const workers = [1, 2, 3].map(() =>
      spawnEtl(['worker', ...queue, '--output', output, '--until-empty', '--json']),
    );
    const exits = await Promise.all(workers.map((w) => w.exit));
    const converted: string[] = [];
    for (const exit of exits) {
      expect(exit.code, exit.stderr).toBe(0);
      expect(`${exit.stdout}${exit.stderr}`).not.toContain(swift.secretAccessKey);
      const summary = JSON.parse(exit.stdout);
      expect(summary.failed_jobs).toEqual([]);
      converted.push(...summary.converted_segments);
    }
    // Each segment converted exactly once, by whichever worker took it.
    expect(converted.sort()).toEqual([1, 2, 3, 4].map((n) => `segment_20260809T21_0000${n}`));
    expect(readdirSync(ready)).toEqual([]);

    await expectSameAsLocal(bucket);
    expect(await pending(bucket)).toEqual([]);
    expect(await keys(bucket, 'processed/coinbase/_commits/')).toEqual([]);
    // The per-date commit job wrote the date's manifest and marker to the bucket.
    expect(await keys(bucket, 'processed/coinbase/_dates/')).toEqual([
      'processed/coinbase/_dates/2026-08-09/_SUCCESS',
      'processed/coinbase/_dates/2026-08-09/manifest.json',
    ]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of bucket.read('processed/coinbase/_dates/2026-08-09/manifest.json'))
      chunks.push(chunk);
    const dateManifest = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    expect(dateManifest).toMatchObject({ date: '2026-08-09', complete: true, failed: [] });
    expect(dateManifest.segments.map((s: { inputId: string }) => s.inputId)).toEqual(
      [1, 2, 3, 4].map((n) => `segment_20260809T21_0000${n}`),
    );
  }, 600_000);

  it('refuses --compact with an s3:// output: exit 2, one sentence', async () => {
    const result = await etl(['worker', '--queue', redis.url, '--output', 's3://b/processed', '--compact']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--compact is not supported with an s3:\/\/ output/);
  });

  it('a worker SIGKILLed while uploading: the others finish, same datasets, no pending upload', async () => {
    const bucket = await createBucket(swift);
    const { ready, queue } = await enqueued('s3-killed-worker');
    const output = `s3://${bucket.bucket}/processed`;
    // A short lock: the killed worker's job is taken for stalled and retried within seconds.
    const args = [
      'worker',
      ...queue,
      ...['--output', output, '--lock-duration', '3', '--stalled-interval', '1', '--until-empty', '--json'],
    ];
    const victim = spawnEtl(args);
    let victimExited = false;
    void victim.exit.then(() => {
      victimExited = true;
    });
    // Killed while it has staged uploads (before or after its commit point).
    while (!victimExited && (await pending(bucket)).length === 0) await sleep(20);
    expect(victimExited, 'the worker finished before any upload was seen').toBe(false);
    victim.child.kill('SIGKILL');
    expect((await victim.exit).signal).toBe('SIGKILL');

    const exits = await Promise.all([1, 2, 3].map(() => spawnEtl(args).exit));
    for (const exit of exits) {
      expect(exit.code, exit.stderr).toBe(0);
      expect(JSON.parse(exit.stdout).failed_jobs).toEqual([]);
    }
    expect(readdirSync(ready)).toEqual([]);
    await expectSameAsLocal(bucket);
    expect(await pending(bucket)).toEqual([]);
    expect(await keys(bucket, 'processed/coinbase/_commits/')).toEqual([]);
    expect(await keys(bucket, 'processed/coinbase/_dates/')).toContain(
      'processed/coinbase/_dates/2026-08-09/_SUCCESS',
    );
  }, 600_000);
});
