/**
 * Checks that an ObjectStorage keeps the contract in `object-storage.ts`. Every implementation
 * (the local directory, S3-compatible stores) runs this one suite; `testObjectStorage` in
 * `./vitest.ts` turns the report into vitest tests.
 */
import type { ObjectStorage, SealedUpload } from '../object-storage.js';
import { type CheckReport, runChecks } from './check-report.js';
import { CheckFailure } from './processor-runs.js';

export const STORAGE_CHECKS = [
  'write in parts and read back',
  'invisible until completed',
  'abort discards',
  'complete twice',
  'completed by another instance',
  'list a prefix',
  'byte ranges',
  'missing objects',
  'put replaces',
  'copy and delete',
  'empty object',
  'large object',
] as const;

export type StorageCheck = (typeof STORAGE_CHECKS)[number];
export type StorageConformanceReport = CheckReport<StorageCheck>;

export interface StorageConformanceOptions {
  /** A storage over a fresh, empty root (a new directory or bucket prefix) for each check. */
  readonly create: () => Promise<ObjectStorage>;
  /** A second instance over the same root as `storage` (another process, after a crash). */
  readonly reopen: (storage: ObjectStorage) => Promise<ObjectStorage>;
}

function fail(detail: string): never {
  throw new CheckFailure(detail);
}

/** Deterministic bytes, different at every offset that matters. */
function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function readAll(storage: ObjectStorage, key: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of storage.read(key)) chunks.push(new Uint8Array(chunk));
  return Buffer.concat(chunks);
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.byteLength !== expected.byteLength) {
    fail(`${what}: ${actual.byteLength} bytes read back, ${expected.byteLength} written`);
  }
  if (!Buffer.from(actual).equals(Buffer.from(expected))) fail(`${what}: bytes differ from those written`);
}

async function keys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const object of storage.list(prefix)) out.push(object.key);
  return out;
}

async function pendingKeys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const pending of storage.pendingUploads(prefix)) out.push(pending.key);
  return out;
}

async function uploadSealed(
  storage: ObjectStorage,
  key: string,
  chunks: Uint8Array[],
): Promise<SealedUpload> {
  const upload = await storage.upload(key);
  for (const chunk of chunks) await upload.write(chunk);
  return upload.seal();
}

async function rejects(what: string, run: () => Promise<unknown>, mustName: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.includes(mustName)) fail(`${what} failed without naming ${mustName}: ${message}`);
    return;
  }
  fail(`${what} succeeded`);
}

const CHECKS: Record<
  StorageCheck,
  (storage: ObjectStorage, options: StorageConformanceOptions) => Promise<void>
> = {
  async 'write in parts and read back'(storage) {
    const bytes = pattern(300_000);
    const sealed = await uploadSealed(storage, 'a/b/part-1.parquet', [
      bytes.subarray(0, 1),
      bytes.subarray(1, 100_000),
      bytes.subarray(100_000),
    ]);
    if (sealed.size !== bytes.length) fail(`sealed size ${sealed.size}, ${bytes.length} written`);
    await storage.complete(sealed);
    sameBytes(await readAll(storage, 'a/b/part-1.parquet'), bytes, 'a/b/part-1.parquet');
    const stat = await storage.stat('a/b/part-1.parquet');
    if (stat?.size !== bytes.length) fail(`stat says ${stat?.size} bytes, ${bytes.length} written`);
  },

  async 'invisible until completed'(storage) {
    const sealed = await uploadSealed(storage, 'd/x.bin', [pattern(1000)]);
    if ((await keys(storage, '')).length > 0) fail(`a sealed upload is listed: ${await keys(storage, '')}`);
    if (await storage.stat('d/x.bin')) fail('a sealed upload has a size before it is completed');
    const pending = await pendingKeys(storage, 'd/');
    if (pending.join() !== 'd/x.bin') fail(`pendingUploads('d/') gave [${pending}], expected [d/x.bin]`);
    await storage.complete(sealed);
    if ((await keys(storage, '')).join() !== 'd/x.bin') fail('the completed upload is not listed');
    if ((await pendingKeys(storage, '')).length > 0) fail('a completed upload is still pending');
  },

  async 'abort discards'(storage) {
    const upload = await storage.upload('e/y.bin');
    await upload.write(pattern(10));
    await upload.abort();
    const sealed = await uploadSealed(storage, 'e/z.bin', [pattern(10)]);
    for await (const pending of storage.pendingUploads('e/z')) await storage.abortUpload(pending);
    await storage.abortUpload({ key: 'e/z.bin', uploadId: sealed.uploadId });
    if ((await pendingKeys(storage, '')).length > 0)
      fail(`aborted uploads are pending: ${await pendingKeys(storage, '')}`);
    if ((await keys(storage, '')).length > 0) fail(`aborted uploads are listed: ${await keys(storage, '')}`);
  },

  async 'complete twice'(storage) {
    const sealed = await uploadSealed(storage, 'f/once.bin', [pattern(64)]);
    await storage.complete(sealed);
    await storage.complete(sealed);
    sameBytes(await readAll(storage, 'f/once.bin'), pattern(64), 'f/once.bin after two completes');
  },

  async 'completed by another instance'(storage, options) {
    // What recovery does: the sealed upload is recorded as JSON, the writer dies, another
    // process completes it.
    const sealed = JSON.parse(JSON.stringify(await uploadSealed(storage, 'g/late.bin', [pattern(5000, 7)])));
    const other = await options.reopen(storage);
    const pending = await pendingKeys(other, 'g/');
    if (pending.join() !== 'g/late.bin')
      fail(`another instance sees pending [${pending}], expected [g/late.bin]`);
    await other.complete(sealed);
    sameBytes(await readAll(storage, 'g/late.bin'), pattern(5000, 7), 'g/late.bin completed elsewhere');
  },

  async 'list a prefix'(storage) {
    const written = [
      'out/coinbase/level2/product_id=BTC-USD/date=2026-08-09/part-b.parquet',
      'out/coinbase/level2/product_id=BTC-USD/date=2026-08-09/part-a.parquet',
      'out/coinbase/level2/product_id=ETH-USD/date=2026-08-09/part-a.parquet',
      'out/coinbase/level2x/part.parquet',
      'out/_manifests/seg.json',
      'other.txt',
    ];
    for (const key of written) await storage.put(key, pattern(3));
    const all = await keys(storage, '');
    const sorted = [...written].sort();
    if (all.join('\n') !== sorted.join('\n'))
      fail(`list('') gave\n${all.join('\n')}\nexpected\n${sorted.join('\n')}`);
    const level2 = await keys(storage, 'out/coinbase/level2/');
    if (level2.length !== 3 || level2.some((k) => !k.startsWith('out/coinbase/level2/'))) {
      fail(`list('out/coinbase/level2/') gave [${level2}]`);
    }
    const partial = await keys(storage, 'out/coinbase/level2');
    if (partial.length !== 4)
      fail(`list('out/coinbase/level2') (no slash) gave ${partial.length} keys, expected 4`);
    const sizes: number[] = [];
    for await (const object of storage.list('other')) sizes.push(object.size);
    if (sizes.join() !== '3') fail(`list('other') gave sizes [${sizes}], expected [3]`);
    if ((await keys(storage, 'nothing/here/')).length > 0) fail('a prefix with no objects listed some');
  },

  async 'byte ranges'(storage) {
    const bytes = pattern(70_000, 3);
    await storage.put('r/file.bin', bytes);
    sameBytes(await storage.readRange('r/file.bin', 0, 1), bytes.subarray(0, 1), 'range [0, 1)');
    sameBytes(
      await storage.readRange('r/file.bin', 65_000, 70_000),
      bytes.subarray(65_000),
      'the last 5000 bytes',
    );
    sameBytes(
      await storage.readRange('r/file.bin', 1234, 40_000),
      bytes.subarray(1234, 40_000),
      'a middle range',
    );
  },

  async 'missing objects'(storage) {
    if (await storage.stat('no/such.bin')) fail('stat of a missing object gave a size');
    await rejects('reading a missing object', () => readAll(storage, 'no/such.bin'), 'no/such.bin');
    await rejects('a range of a missing object', () => storage.readRange('no/such.bin', 0, 1), 'no/such.bin');
    await storage.delete('no/such.bin');
  },

  async 'put replaces'(storage) {
    await storage.put('m/manifest.json', Buffer.from('{"v":1}'));
    await storage.put('m/manifest.json', Buffer.from('{"v":22}'));
    sameBytes(await readAll(storage, 'm/manifest.json'), Buffer.from('{"v":22}'), 'm/manifest.json');
    if ((await keys(storage, 'm/')).length !== 1) fail('two puts of one key left two objects');
  },

  async 'copy and delete'(storage) {
    await storage.put('ready/coinbase/seg.ndjson', pattern(2000, 5));
    await storage.copy('ready/coinbase/seg.ndjson', 'done/coinbase/seg.ndjson');
    await storage.delete('ready/coinbase/seg.ndjson');
    const all = await keys(storage, '');
    if (all.join() !== 'done/coinbase/seg.ndjson') fail(`after copy and delete the store holds [${all}]`);
    sameBytes(await readAll(storage, 'done/coinbase/seg.ndjson'), pattern(2000, 5), 'the copy');
    await rejects('copying a missing object', () => storage.copy('ready/none', 'done/none'), 'ready/none');
  },

  async 'empty object'(storage) {
    await storage.complete(await uploadSealed(storage, 'z/empty.bin', []));
    await storage.put('z/empty-put.bin', new Uint8Array(0));
    for (const key of ['z/empty.bin', 'z/empty-put.bin']) {
      if ((await storage.stat(key))?.size !== 0) fail(`${key}: an empty object is missing or not empty`);
      sameBytes(await readAll(storage, key), new Uint8Array(0), key);
    }
  },

  async 'large object'(storage) {
    // Larger than S3's 5 MiB minimum part, written in uneven chunks.
    const bytes = pattern(12 * 1024 * 1024 + 17, 9);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 777_777) chunks.push(bytes.subarray(at, at + 777_777));
    await storage.complete(await uploadSealed(storage, 'big/file.bin', chunks));
    sameBytes(await readAll(storage, 'big/file.bin'), bytes, 'a 12 MiB object');
    const tail = await storage.readRange('big/file.bin', bytes.length - 8, bytes.length);
    sameBytes(tail, bytes.subarray(bytes.length - 8), 'the last 8 bytes of a 12 MiB object');
  },
};

/** Runs every storage check, each on a fresh empty storage. */
export function checkStorageConformance(
  options: StorageConformanceOptions,
): Promise<StorageConformanceReport> {
  return runChecks(STORAGE_CHECKS, async (check) => {
    const storage = await options.create();
    await CHECKS[check](storage, options);
    return undefined;
  });
}
