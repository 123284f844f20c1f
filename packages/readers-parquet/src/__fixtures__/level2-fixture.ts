/**
 * Test support: the real Coinbase level2 capture (tooling/fixtures/coinbase) flattened into
 * level2 rows and written as a Hive-partitioned dataset like the toolkit's writer lays it out.
 * The expected rows are computed straight from the JSON, independently of any Parquet code.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { escapePartitionValue, parseTimestampNs, type Row, utcDateKey } from '@etl/core';
import { BOOLEAN, DOUBLE, INT64, NS_TIMESTAMP, STRING, writeHandmadeParquet } from './handmade-parquet.js';

const LEVEL2_FIXTURE = fileURLToPath(
  new URL('../../../../tooling/fixtures/coinbase/advanced-l2_data-BTC-USD.ndjson', import.meta.url),
);

interface L2Update {
  side: string;
  event_time: string;
  price_level: string;
  new_quantity: string;
}
interface L2Message {
  channel: string;
  timestamp: string;
  sequence_num: number;
  events: { type: string; product_id: string; updates: L2Update[] }[];
}

/** Level2 rows of the fixture, in capture order; partition columns included. */
export async function level2Rows(): Promise<Row[]> {
  const rows: Row[] = [];
  const lines = createInterface({
    input: createReadStream(LEVEL2_FIXTURE),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (!line) continue;
    const m = JSON.parse(line) as L2Message;
    const server = parseTimestampNs(m.timestamp);
    for (const e of m.events) {
      for (const u of e.updates) {
        rows.push({
          product_id: e.product_id,
          date: utcDateKey(server),
          event_type: e.type,
          is_snapshot: e.type === 'snapshot',
          side: u.side,
          price_level: Number(u.price_level),
          new_quantity: Number(u.new_quantity),
          event_time: parseTimestampNs(u.event_time),
          server_timestamp: server,
          sequence_num: BigInt(m.sequence_num),
          channel: m.channel,
        });
      }
    }
  }
  return rows;
}

const FILE_COLUMNS = [
  { name: 'event_type', element: STRING },
  { name: 'is_snapshot', element: BOOLEAN },
  { name: 'side', element: STRING },
  { name: 'price_level', element: DOUBLE },
  { name: 'new_quantity', element: DOUBLE },
  { name: 'event_time', element: NS_TIMESTAMP },
  { name: 'server_timestamp', element: NS_TIMESTAMP },
  { name: 'sequence_num', element: INT64 },
  { name: 'channel', element: STRING },
] as const;

/**
 * Writes `rows` under `dir/product_id=…/date=…/part-<segment>-0000.parquet` (partition columns
 * only in the path), plus a dot-prefixed temp file beside each part, which readers must ignore.
 * Returns the paths written.
 */
export function writeLevel2Dataset(dir: string, rows: readonly Row[], rowGroupSize: number): string[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `product_id=${escapePartitionValue(r.product_id as string)}/date=${escapePartitionValue(r.date as string)}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const written: string[] = [];
  for (const [partition, part] of groups) {
    const path = join(dir, partition, 'part-segment_20260809T21_00001-0000.parquet');
    writeHandmadeParquet(
      path,
      FILE_COLUMNS.map((c) => ({
        name: c.name,
        element: c.element,
        data:
          c.element === NS_TIMESTAMP
            ? BigInt64Array.from(part, (r) => r[c.name] as bigint)
            : part.map((r) => r[c.name]),
      })),
      { rowGroupSize },
    );
    writeFileSync(join(dir, partition, '.part-segment_20260809T21_00002-0000.parquet.tmp'), 'half-written');
    written.push(path);
  }
  return written;
}
