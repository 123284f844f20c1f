import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  col,
  defineSchema,
  defineSource,
  emptyStats,
  mapProcessor,
  type Reader,
  type Row,
  type SourceRecord,
} from '@etl/core';
import { ParquetWriter } from '@etl/writer-parquet';
import { describe, expect, it } from 'vitest';
import { ETLPipeline } from './pipeline.js';

const fills = defineSchema([col.string('channel'), col.string('symbol'), col.double('price')]);
const events = defineSchema([col.string('channel'), col.string('kind'), col.date('date')]);

/** A made-up source whose processors emit `events` side rows and `_seq` control rows. */
const acme = defineSource({
  name: 'acme',
  description: 'a made-up exchange',
  datasets: [
    { name: 'fills', description: 'fills', schema: fills, partitionCols: [], rowChannels: ['fill'] },
  ],
  sideDatasets: [{ name: 'events', description: 'events', schema: events, partitionCols: ['date'] }],
  controlChannels: ['_seq'],
  parser: () => mapProcessor<SourceRecord, Row>('p', (r) => r.value as Row),
  processors: () => [],
});

const records: Row[] = [
  { channel: 'fill', symbol: 'A', price: 1 },
  { channel: '_seq', n: 1 },
  { channel: 'events', kind: 'gap', date: '2026-08-09' },
  { channel: 'fill', symbol: 'B', price: 2 },
  { channel: 'events', kind: 'reconnect', date: '2026-08-10' },
  { channel: '_seq', n: 2 },
];

const reader: Reader<SourceRecord> = {
  async *read(input) {
    yield records.map((value, i) => ({ file: input, line: i + 1, bytes: 1, value }));
  },
  stats: () => emptyStats('memory'),
};

describe("ETLPipeline with a source's side datasets and control rows", () => {
  it('writes side rows beside the main output, partitioned as declared, and drops control rows', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-pipeline-'));
    const pipeline = new ETLPipeline({
      reader,
      processors: [mapProcessor<SourceRecord, Row>('parse', (r) => r.value as Row)],
      writer: new ParquetWriter(),
      source: acme,
    });
    const result = await pipeline.execute({
      input: 'acme.ndjson',
      output: path.join(root, 'fills'),
      schema: fills,
    });
    expect(Object.keys(result.datasets).sort()).toEqual(['events', 'fills']);
    expect(result.datasets.fills?.rows).toBe(2);
    expect(result.datasets.events?.rows).toBe(2);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (
      await db.runAndReadAll(
        `SELECT kind, CAST(date AS VARCHAR) AS date FROM read_parquet('${root}/events/*/*.parquet', hive_partitioning = true) ORDER BY kind`,
      )
    ).getRowObjects();
    expect(rows).toEqual([
      { kind: 'gap', date: '2026-08-09' },
      { kind: 'reconnect', date: '2026-08-10' },
    ]);
    const main = (
      await db.runAndReadAll(`SELECT symbol FROM read_parquet('${root}/fills/*.parquet') ORDER BY symbol`)
    ).getRowObjects();
    expect(main).toEqual([{ symbol: 'A' }, { symbol: 'B' }]);
  });
});
