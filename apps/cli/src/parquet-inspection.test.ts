import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactLogicalType, datasetDirOf, findParquetFiles } from './parquet-inspection.js';

describe('compactLogicalType', () => {
  it("shortens DuckDB's rendering of Parquet logical types", () => {
    expect(
      compactLogicalType(
        'TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()))',
      ),
    ).toBe('TIMESTAMP(NANOS, utc=false)');
    expect(
      compactLogicalType(
        'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))',
      ),
    ).toBe('TIMESTAMP(MICROS, utc=true)');
    expect(compactLogicalType('StringType()')).toBe('STRING');
    expect(compactLogicalType('DateType()')).toBe('DATE');
    expect(compactLogicalType('IntType(bitWidth=32, isSigned=1)')).toBe('INT(32, signed)');
    expect(compactLogicalType('DecimalType(scale=2, precision=10)')).toBe('DECIMAL(10, 2)');
    expect(compactLogicalType('SomethingNew(x=1)')).toBe('SomethingNew(x=1)');
    expect(compactLogicalType(null)).toBeNull();
  });
});

describe('datasetDirOf', () => {
  it('is the directory above the Hive partition directories', () => {
    expect(datasetDirOf('/o/coinbase/level2/product_id=BTC-USD/date=2026-08-09/part-0.parquet')).toBe(
      '/o/coinbase/level2',
    );
    expect(datasetDirOf('/o/coinbase/ticker/date=2026-08-09/hour=21/part-0.parquet')).toBe(
      '/o/coinbase/ticker',
    );
    expect(datasetDirOf('/data/flat/file.parquet')).toBe('/data/flat');
  });
});

describe('findParquetFiles', () => {
  it('finds .parquet files in path order, skipping hidden, temporary and _side directories', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'etl-inspect-'));
    const files = [
      'level2/product_id=BTC-USD/date=2026-08-09/part-b.parquet',
      'level2/product_id=BTC-USD/date=2026-08-09/part-a.parquet',
      'level2/product_id=BTC-USD/date=2026-08-09/.part-c.parquet.123-ab.tmp',
      'level2/product_id=BTC-USD/date=2026-08-09/.hidden.parquet',
      '_manifests/segment.parquet',
      'notes.txt',
    ];
    for (const f of files) {
      mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      writeFileSync(path.join(root, f), '');
    }
    return findParquetFiles(root).then((found) =>
      expect(found.map((f) => path.relative(root, f))).toEqual([
        'level2/product_id=BTC-USD/date=2026-08-09/part-a.parquet',
        'level2/product_id=BTC-USD/date=2026-08-09/part-b.parquet',
      ]),
    );
  });
});
