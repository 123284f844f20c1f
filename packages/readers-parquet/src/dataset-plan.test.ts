import { ConfigError, MemoryLogger, silentLogger } from '@etl/core';
import { describe, expect, it } from 'vitest';
import type { DatasetFile } from './dataset-files.js';
import { planDataset } from './dataset-plan.js';

const files: DatasetFile[] = [
  { path: 'ds/date=2026-08-09/hour=05/p.parquet', partition: { date: '2026-08-09', hour: '05' } },
  { path: 'ds/date=2026-08-09/hour=14/p.parquet', partition: { date: '2026-08-09', hour: '14' } },
  { path: 'ds/date=2026-08-10/hour=00/p.parquet', partition: { date: '2026-08-10', hour: '00' } },
  { path: 'ds/date=2026-08-10/p.parquet', partition: { date: '2026-08-10' } },
];

describe('planDataset', () => {
  it('types partition columns over all files and marks columns some paths lack as nullable', () => {
    const plan = planDataset(files, { partitionTypes: {}, logger: silentLogger });
    expect(plan.partitionColumns).toEqual([
      { name: 'date', type: 'date', nullable: false },
      { name: 'hour', type: 'string', nullable: true },
    ]);
    expect(plan.files.map((f) => f.partition)).toEqual([
      { date: '2026-08-09', hour: '05' },
      { date: '2026-08-09', hour: '14' },
      { date: '2026-08-10', hour: '00' },
      { date: '2026-08-10' },
    ]);
    expect(plan.pruned).toBe(0);
  });

  it('restores explicit types and filters on typed values', () => {
    const plan = planDataset(files, {
      partitionTypes: { hour: 'int64' },
      filter: { hour: { gte: 5, lt: 15n } },
      logger: silentLogger,
    });
    expect(plan.files.map((f) => f.partition.hour)).toEqual([5n, 14n]);
    // The file without an hour= directory never matches a filter on hour.
    expect(plan.pruned).toBe(2);
  });

  it('refuses a filter of the wrong kind for the column, and names a bad explicit value', () => {
    expect(() =>
      planDataset(files, { partitionTypes: {}, filter: { hour: { gte: 5 } }, logger: silentLogger }),
    ).toThrow(ConfigError);
    expect(() => planDataset(files, { partitionTypes: { date: 'int64' }, logger: silentLogger })).toThrow(
      'ds/date=2026-08-09/hour=05/p.parquet: partition date="2026-08-09" is not a valid int64 (see partitionTypes)',
    );
  });

  it('warns when a filter names no partition column, and selects nothing', () => {
    const logger = new MemoryLogger();
    const plan = planDataset(files, { partitionTypes: {}, filter: { product_id: 'BTC-USD' }, logger });
    expect(plan.files).toEqual([]);
    expect(plan.pruned).toBe(4);
    expect(logger.records).toEqual([
      {
        level: 'warn',
        message: 'parquet filter names a column that is not a partition column: it selects nothing',
        fields: { column: 'product_id' },
      },
    ]);
  });
});
