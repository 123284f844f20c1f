/**
 * The shared Reader suite of `@etl/core/testing` over NDJSONReader: plain, gzip and zstd inputs
 * of the kit's sample records, and the real Coinbase trades capture.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Row, SourceRecord } from '@etl/core';
import type { ReaderInput } from '@etl/core/testing';
import { testReader } from '@etl/core/testing/vitest';
import { zstdRawFrame } from './__fixtures__/reader-harness.js';
import { NDJSONReader } from './ndjson-reader.js';

const BATCH_SIZE = 100;

function hasZstdCli(): boolean {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compressed with the zstd CLI when there is one, else stored in raw zstd blocks. */
function zstd(plain: string, path: string): Buffer {
  if (!hasZstdCli()) return zstdRawFrame(readFileSync(plain));
  execFileSync('zstd', ['-q', '-f', '-3', plain, '-o', path]);
  return readFileSync(path);
}

type Compression = 'none' | 'gzip' | 'zstd';

/** Writes one JSON object per line; bytesIn is the decompressed size, as the reader counts it. */
function ndjsonWriter(compression: Compression) {
  return async (records: readonly Row[], _schema: unknown, dir: string): Promise<ReaderInput> => {
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const plain = join(dir, 'segment.ndjson');
    writeFileSync(plain, text);
    const bytesIn = Buffer.byteLength(text);
    if (compression === 'none') return { path: plain, bytesIn };
    const path = `${plain}.${compression === 'gzip' ? 'gz' : 'zst'}`;
    writeFileSync(path, compression === 'gzip' ? gzipSync(text) : zstd(plain, path));
    return { path, bytesIn };
  };
}

const recordOf = (r: SourceRecord) => r.value;

for (const compression of ['none', 'gzip', 'zstd'] as const) {
  testReader(`NDJSONReader (${compression})`, {
    create: () => new NDJSONReader({ batchSize: BATCH_SIZE }),
    write: ndjsonWriter(compression),
    recordOf,
    batchSize: BATCH_SIZE,
  });
}

const TRADES = fileURLToPath(
  new URL('../../../tooling/fixtures/coinbase/advanced-market_trades-BTC-USD.ndjson', import.meta.url),
);
const captured = readFileSync(TRADES, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as Row);

testReader('NDJSONReader (real market_trades capture)', {
  create: () => new NDJSONReader({ batchSize: 7 }),
  write: ndjsonWriter('gzip'),
  recordOf,
  batchSize: 7,
  records: { rows: captured, schema: { fields: [] } },
});
