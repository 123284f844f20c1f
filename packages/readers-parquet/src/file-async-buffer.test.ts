import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/duckdb-oracle.js';
import { FileAsyncBuffer } from './file-async-buffer.js';

function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % 251);
}

const dir = tempDir('buffer');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FileAsyncBuffer', () => {
  it('reads byte ranges with positioned reads and counts what it read', async () => {
    const path = join(dir, 'f.bin');
    writeFileSync(path, bytes(100_000));
    const buffer = await FileAsyncBuffer.open(path);
    try {
      expect(buffer.byteLength).toBe(100_000);
      expect([...new Uint8Array(await buffer.slice(10, 15))]).toEqual([10, 11, 12, 13, 14]);
      expect(buffer.bytesRead).toBe(5);
      // The tail (the footer read) is kept: ranges inside it are not read again.
      const tail = new Uint8Array(await buffer.slice(60_000));
      expect(tail.length).toBe(40_000);
      expect(tail[0]).toBe(60_000 % 251);
      expect(buffer.bytesRead).toBe(40_005);
      const inside = new Uint8Array(await buffer.slice(70_000, 70_003));
      expect([...inside]).toEqual([70_000 % 251, 70_001 % 251, 70_002 % 251]);
      expect(buffer.bytesRead).toBe(40_005);
      expect((await buffer.slice(5, 5)).byteLength).toBe(0);
    } finally {
      await buffer.close();
    }
  });

  it('rejects ranges outside the file, naming it', async () => {
    const path = join(dir, 'small.bin');
    writeFileSync(path, bytes(10));
    const buffer = await FileAsyncBuffer.open(path);
    try {
      await expect(buffer.slice(5, 11)).rejects.toThrow(
        `${path}: byte range [5, 11) is outside the file (10 bytes)`,
      );
      await expect(buffer.slice(-1, 3)).rejects.toThrow(/outside the file/);
    } finally {
      await buffer.close();
    }
  });

  it('fails to open a missing file', async () => {
    await expect(FileAsyncBuffer.open(join(dir, 'nope.bin'))).rejects.toThrow(/ENOENT/);
  });
});
