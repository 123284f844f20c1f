import { col, defineSchema } from '@etl/core';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { describe, expect, it } from 'vitest';
import { ByteBuffer } from './byte-buffer.js';
import { createColumnBuffer } from './column-buffer.js';
import { writeColumnChunk } from './column-encoder.js';
import { pageCompression } from './compression.js';
import { type RowGroupSummary, rowGroupBytes, writeFooter } from './file-footer.js';
import { parquetSchemaFor } from './parquet-schema.js';

const schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.double('price'),
  col.timestamp('ts', 'ns', { nullable: false }),
  col.int32('n'),
  col.bool('flag'),
  col.date('day'),
  col.string('note'),
]);
const elements = parquetSchemaFor(schema);
const leaves = elements.slice(1);

/** Row groups of real column chunks (encoded into a scratch writer) with every kind of statistic. */
function rowGroups(count: number): RowGroupSummary[] {
  const out = new ByteWriter();
  const scratch = { levels: new ByteBuffer(), values: new ByteBuffer() };
  const groups: RowGroupSummary[] = [];
  for (let g = 0; g < count; g++) {
    const rows = 50 + g;
    const columns = schema.fields.map((f) => createColumnBuffer(f, rows));
    for (let r = 0; r < rows; r++) {
      const values = [
        `P-${r % 3}`,
        r % 7 === 0 ? null : r * 1.25 - 20,
        1_786_309_548_483_587_501n + BigInt(r * g),
        r % 5 === 0 ? null : -r,
        r % 2 === 0,
        '2026-08-09',
        r % 4 === 0 ? null : `a note that is longer than sixteen bytes ${r}`,
      ];
      for (const [c, v] of values.entries()) columns[c]!.set(r, v);
    }
    const written = columns.map((c, i) =>
      writeColumnChunk(
        out,
        scratch,
        { element: leaves[i]!, forceDictionary: schema.fields[i]!.dictionary === true },
        c.take(rows, 1),
        rows,
        pageCompression('none'),
      ),
    );
    groups.push({
      columns: written,
      totalByteSize: 1000n + BigInt(g),
      numRows: BigInt(rows),
      totalCompressedSize: 900n,
    });
  }
  return groups;
}

function footers(groups: RowGroupSummary[], kv = [{ key: 'etl.input', value: 'seg' }]) {
  const ours = new ByteWriter();
  writeFooter(ours, {
    schema: elements,
    numRows: groups.reduce((n, g) => n + g.numRows, 0n),
    rowGroups: groups.map((g) => rowGroupBytes(g, leaves)),
    kvMetadata: kv,
    createdBy: '@etl/writer-parquet test',
  });
  const reference = new ByteWriter();
  writeMetadata(reference, {
    version: 2,
    created_by: '@etl/writer-parquet test',
    schema: elements,
    num_rows: groups.reduce((n, g) => n + g.numRows, 0n),
    row_groups: groups.map((g) => ({
      columns: g.columns,
      total_byte_size: g.totalByteSize,
      num_rows: g.numRows,
      total_compressed_size: g.totalCompressedSize,
    })),
    key_value_metadata: kv,
  } as never);
  return { ours: Array.from(ours.getBytes()), reference: Array.from(reference.getBytes()) };
}

describe('file footer', () => {
  it.each([0, 1, 14, 15, 40])(
    'has the bytes of hyparquet-writer’s writeMetadata with %i row groups',
    (count) => {
      const { ours, reference } = footers(rowGroups(count));
      expect(ours.length).toBeGreaterThan(100);
      expect(ours).toEqual(reference);
    },
  );

  it('has the same bytes without key-value metadata', () => {
    const { ours, reference } = footers(rowGroups(2), undefined as never);
    expect(ours).toEqual(reference);
  });
});
