import type { FileMetaData } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { coverChunkGaps, misdecodedColumn, tolerateEmptyPages } from './footer-repairs.js';

interface FakeChunk {
  path: string[];
  start: bigint;
  size: bigint;
  type?: string;
  encodings?: string[];
  max?: number;
  dictionary?: bigint;
}

function metadata(groups: FakeChunk[][], metadataLength = 100): FileMetaData {
  return {
    metadata_length: metadataLength,
    row_groups: groups.map((chunks) => ({
      columns: chunks.map((c) => ({
        meta_data: {
          path_in_schema: c.path,
          data_page_offset: c.start,
          ...(c.dictionary !== undefined ? { dictionary_page_offset: c.dictionary } : {}),
          total_compressed_size: c.size,
          type: c.type ?? 'INT32',
          encodings: c.encodings ?? ['PLAIN'],
          ...(c.max !== undefined ? { statistics: { max_value: c.max } } : {}),
        },
      })),
    })),
  } as unknown as FileMetaData;
}

const sizes = (m: FileMetaData) =>
  m.row_groups.map((g) => g.columns.map((c) => Number(c.meta_data?.total_compressed_size)));

describe('coverChunkGaps', () => {
  it('widens a flat chunk that stops short of the next chunk or of the footer', () => {
    // File of 1000 bytes: footer (100 bytes + 8) starts at 892.
    const m = metadata([
      [
        { path: ['a'], start: 4n, size: 125n },
        { path: ['b'], start: 129n, size: 322n },
        { path: ['c'], start: 466n, size: 400n },
      ],
    ]);
    expect(sizes(coverChunkGaps(m, 1000, () => true))).toEqual([[125, 337, 426]]);
  });

  it('leaves nested columns, chunks without a gap and the metadata object alone when nothing changes', () => {
    const tight = metadata([
      [
        { path: ['a'], start: 4n, size: 100n },
        { path: ['l', 'list', 'element'], start: 104n, size: 50n },
        { path: ['b'], start: 200n, size: 692n },
      ],
    ]);
    const out = coverChunkGaps(tight, 1000, (name) => name !== 'l');
    expect(sizes(out)).toEqual([[100, 50, 692]]);
    const exact = metadata([[{ path: ['a'], start: 4n, size: 888n }]]);
    expect(coverChunkGaps(exact, 1000, () => true)).toBe(exact);
  });

  it('counts a chunk from its dictionary page', () => {
    const m = metadata([
      [
        { path: ['a'], start: 50n, dictionary: 4n, size: 100n },
        { path: ['b'], start: 120n, size: 772n },
      ],
    ]);
    expect(sizes(coverChunkGaps(m, 1000, () => true))).toEqual([[116, 772]]);
  });
});

describe('misdecodedColumn', () => {
  const unsigned = new Set(['u']);
  const file = (encodings: string[], max?: number) =>
    metadata([[{ path: ['u'], start: 4n, size: 10n, encodings, ...(max !== undefined ? { max } : {}) }]]);

  it('flags DELTA_BINARY_PACKED UINT_32 chunks unless statistics keep every value below 2^31', () => {
    expect(misdecodedColumn(file(['DELTA_BINARY_PACKED']), 0, new Set(['u']), unsigned)).toMatch(
      /^column u: UINT_32 values of 2\^31 and more encoded DELTA_BINARY_PACKED/,
    );
    expect(misdecodedColumn(file(['DELTA_BINARY_PACKED'], 4e9), 0, new Set(['u']), unsigned)).toBeDefined();
    expect(
      misdecodedColumn(file(['DELTA_BINARY_PACKED'], 99_000), 0, new Set(['u']), unsigned),
    ).toBeUndefined();
    expect(misdecodedColumn(file(['PLAIN', 'RLE_DICTIONARY']), 0, new Set(['u']), unsigned)).toBeUndefined();
    expect(misdecodedColumn(file(['DELTA_BINARY_PACKED']), 0, new Set(['other']), unsigned)).toBeUndefined();
  });
});

describe('tolerateEmptyPages', () => {
  it('returns an empty page for an empty input and calls the codec otherwise', () => {
    const calls: number[] = [];
    const wrapped = tolerateEmptyPages({
      SNAPPY: (input, length) => {
        calls.push(input.length);
        if (input.length === 0) throw new Error('invalid snappy length header');
        return new Uint8Array(length);
      },
    });
    expect(wrapped.SNAPPY?.(new Uint8Array(0), 0)).toEqual(new Uint8Array(0));
    expect(wrapped.SNAPPY?.(Uint8Array.of(1, 2), 3)).toEqual(new Uint8Array(3));
    expect(calls).toEqual([2]);
  });
});
