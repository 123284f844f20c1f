import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedDirBeside, reasonClass } from './input-health.js';

describe('reasonClass', () => {
  it('blanks quoted values and numbers so alike lines group', () => {
    expect(reasonClass('timestamp "bad" is invalid (too short)')).toBe(
      'timestamp "…" is invalid (too short)',
    );
    expect(reasonClass("invalid JSON: Expected ',' after property value in JSON at position 42")).toBe(
      "invalid JSON: Expected '…' after property value in JSON at position …",
    );
    expect(reasonClass('price "1e999" of BTC-USD at line 7 is not finite')).toBe(
      reasonClass('price "abc" of BTC-USD at line 9 is not finite'),
    );
  });
});

describe('failedDirBeside', () => {
  it('puts failed/ where the job does: in place of the last ready in the path', () => {
    expect(failedDirBeside('/data/raw/ready/coinbase')).toBe(path.resolve('/data/raw/failed/coinbase'));
    expect(failedDirBeside('/data/incoming')).toBe(path.resolve('/data/failed/incoming'));
  });
});
