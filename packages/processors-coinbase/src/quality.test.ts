import { checkRow, type Row } from '@etl/core';
import { describe, expect, it } from 'vitest';
import { at, controlRow, l2Message, l2Row } from './__fixtures__/level2-session-rows.js';
import { bookSnapshotSchema } from './book-snapshot-processor.js';
import { Level2Processor } from './level2-processor.js';
import { qualityRow, qualitySchema } from './quality.js';
import { level2Schema } from './schemas.js';

describe('quality rows', () => {
  it('takes date and hour from time_to, else time_from', () => {
    const row = qualityRow({
      kind: 'gap',
      productId: null,
      sequenceFrom: 3n,
      sequenceTo: 4n,
      timeFrom: at(0),
      timeTo: at(3_600_000), // 22:00
      detail: 'x',
    });
    expect(row).toEqual({
      kind: 'gap',
      product_id: null,
      sequence_from: 3n,
      sequence_to: 4n,
      time_from: at(0),
      time_to: at(3_600_000),
      detail: 'x',
      channel: 'quality',
      date: '2026-08-09',
      hour: '22',
    });
    const early = qualityRow({
      ...row,
      kind: 'reconnect',
      productId: null,
      sequenceFrom: null,
      sequenceTo: null,
      timeFrom: at(0),
      timeTo: null,
      detail: '',
    });
    expect([early.date, early.hour]).toEqual(['2026-08-09', '21']);
  });

  it('every row the processor emits fits its schema', () => {
    const p = new Level2Processor({
      computeFeatures: true,
      bookSnapshots: { depth: 3, intervalMs: 100 },
      crossedPolicy: 'keep',
    });
    const rows: Row[] = [
      ...l2Message(
        'BTC-USD',
        1,
        at(0),
        [
          ['bid', 100, 1],
          ['ask', 101, 1],
        ],
        true,
      ),
      ...l2Message('BTC-USD', 2, at(150), [['bid', 101.5, 1]]), // crossed, kept
      controlRow(5, at(420)), // gap
      { ...l2Row('BTC-USD', 6, at(500), 'bid', 100, 1), side_normalized: 'middle', side: 'middle' }, // quarantined
      controlRow(0, at(600)), // reconnect
    ];
    const out = [...p.process(rows), ...p.flush()];
    const schemas = new Map([
      ['quality', qualitySchema],
      ['book_snapshot_3_100ms', bookSnapshotSchema(3)],
      ['l2_data', p.outputSchema(level2Schema)!],
    ]);
    const kinds = out.filter((r) => r.channel === 'quality').map((r) => r.kind);
    expect(kinds).toEqual(['crossed_book', 'gap', 'invalid_level', 'reconnect']);
    expect(out.filter((r) => r.channel === 'book_snapshot_3_100ms').length).toBe(6); // 100, 200, …, 600 ms
    for (const r of out) {
      const schema = schemas.get(r.channel as string);
      if (schema) expect(checkRow(schema, r), `${String(r.channel)} row`).toEqual([]);
    }
  });
});
