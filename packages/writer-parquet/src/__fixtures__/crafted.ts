/** Small crafted inputs: one column of every type, with nulls where the schema allows them. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { col, defineSchema, type Row, type Schema } from '@etl/core';

export const craftedSchema: Schema = defineSchema([
  col.string('product_id', { nullable: false, dictionary: true }),
  col.date('date', { nullable: false }),
  col.timestamp('ts', 'ns'),
  col.double('price'),
  col.double('qty', { nullable: false }),
  col.int64('seq'),
  col.int32('count'),
  col.bool('flag'),
  col.string('note'),
]);

/** 2026-08-09T21:05:48.483587501Z: the Coinbase snapshot timestamp, all nine digits significant. */
export const SNAPSHOT_NS = 1_786_309_548_483_587_501n;

export function craftedRows(n: number, productId = 'BTC-USD', date = '2026-08-09', start = 0): Row[] {
  const rows: Row[] = [];
  for (let k = start; k < start + n; k++) {
    rows.push({
      product_id: productId,
      date,
      ts: SNAPSHOT_NS + BigInt(k),
      price: 65_000 + k / 100,
      qty: k,
      seq: BigInt(k),
      count: k,
      flag: k % 2 === 0,
      note: k % 3 === 0 ? null : `n${k}`,
    });
  }
  return rows;
}

/** A fresh temporary directory per call, all removed by `cleanup`. */
export async function tempRoot(): Promise<{ next(): string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'etl-writer-parquet-'));
  let n = 0;
  return {
    next: () => path.join(root, `case-${n++}`),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
