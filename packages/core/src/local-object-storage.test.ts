import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalObjectStorage } from './local-object-storage.js';
import type { ObjectStorage, ObjectUpload } from './object-storage.js';
import { checkStorageConformance, STORAGE_CHECKS } from './testing/storage-conformance.js';
import { testObjectStorage } from './testing/vitest.js';

const freshRoot = () => mkdtemp(path.join(tmpdir(), 'etl-local-storage-'));

testObjectStorage('LocalObjectStorage', {
  create: async () => new LocalObjectStorage(await freshRoot()),
  reopen: async (storage) => new LocalObjectStorage((storage as LocalObjectStorage).root),
});

/** A storage that writes uploads straight to their key: visible before they are completed. */
class EagerStorage extends LocalObjectStorage {
  override async upload(key: string): Promise<ObjectUpload> {
    const inner = await super.upload(key);
    const chunks: Uint8Array[] = [];
    return {
      key,
      uploadId: inner.uploadId,
      write: async (chunk) => {
        chunks.push(new Uint8Array(chunk));
        await inner.write(chunk);
      },
      seal: async () => {
        const sealed = await inner.seal();
        await super.complete(sealed);
        return sealed;
      },
      abort: () => inner.abort(),
    };
  }
}

describe('checkStorageConformance', () => {
  it('fails a storage whose uploads are visible before they are completed', async () => {
    const report = await checkStorageConformance({
      create: async () => new EagerStorage(await freshRoot()),
      reopen: async (storage) => new EagerStorage((storage as ObjectStorage & { root: string }).root),
    });
    const failed = Object.fromEntries(report.failures.map((f) => [f.check, f.detail]));
    expect(failed['invisible until completed']).toBe('a sealed upload is listed: d/x.bin');
    expect(report.passed.length + report.failures.length).toBe(STORAGE_CHECKS.length);
  });

  it('keeps staged uploads out of listings and cleans them up on completion', async () => {
    const root = await freshRoot();
    const storage = new LocalObjectStorage(root);
    const upload = await storage.upload('a/b.bin');
    await upload.write(new Uint8Array([1, 2, 3]));
    await storage.complete(await upload.seal());
    expect(await readdir(path.join(root, '_uploads'))).toEqual([]);
    const listed = [];
    for await (const object of storage.list('')) listed.push(object);
    expect(listed).toEqual([{ key: 'a/b.bin', size: 3 }]);
  });

  it('refuses keys that leave the root', async () => {
    const storage = new LocalObjectStorage(await freshRoot());
    await expect(storage.put('../x', new Uint8Array(1))).rejects.toThrow(
      'has an empty, "." or ".." component',
    );
  });
});
