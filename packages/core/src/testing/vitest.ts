import { describe, expect, it } from 'vitest';
import type { CheckReport } from './check-report.js';
import {
  CONFORMANCE_CHECKS,
  type ConformanceOptions,
  type ConformanceReport,
  checkProcessorConformance,
} from './processor-conformance.js';
import {
  checkReaderConformance,
  READER_CHECKS,
  type ReaderConformanceOptions,
} from './reader-conformance.js';
import {
  checkStorageConformance,
  STORAGE_CHECKS,
  type StorageConformanceOptions,
} from './storage-conformance.js';
import {
  checkWriterConformance,
  WRITER_CHECKS,
  type WriterConformanceOptions,
} from './writer-conformance.js';

/**
 * One vitest test per check under `describe(title)`. The checks run once, on the first test,
 * and every test reads the shared report.
 */
function registerChecks<C extends string>(
  title: string,
  checks: readonly C[],
  run: () => Promise<CheckReport<C> | ConformanceReport>,
  timeout?: number,
): void {
  describe(title, () => {
    let report: Promise<CheckReport<C> | ConformanceReport> | undefined;
    for (const check of checks) {
      it(
        check,
        async () => {
          report ??= run();
          const { failures } = await report;
          const mine = (failures as { check: string; detail: string }[]).filter((f) => f.check === check);
          expect(mine.map((f) => f.detail)).toEqual([]);
        },
        timeout,
      );
    }
  });
}

/**
 * Registers the processor conformance checks as vitest tests, one per check, under
 * `describe('<name> conforms to the Processor contract')`. Call it at the top level of a test file.
 */
export function testProcessor(name: string, options: ConformanceOptions): void {
  registerChecks(`${name} conforms to the Processor contract`, CONFORMANCE_CHECKS, () =>
    checkProcessorConformance(options),
  );
}

/** Files are written and read: generous, since CI machines are shared. */
const IO_TIMEOUT_MS = 120_000;

/**
 * Registers the reader suite as vitest tests, one per check, under
 * `describe('<name> conforms to the Reader contract')`. Call it at the top level of a test file.
 */
export function testReader<T>(name: string, options: ReaderConformanceOptions<T>): void {
  registerChecks(
    `${name} conforms to the Reader contract`,
    READER_CHECKS,
    () => checkReaderConformance(options),
    IO_TIMEOUT_MS,
  );
}

/**
 * Registers the writer suite as vitest tests, one per check, under
 * `describe('<name> conforms to the Writer contract')`. Call it at the top level of a test file.
 */
export function testWriter(name: string, options: WriterConformanceOptions): void {
  registerChecks(
    `${name} conforms to the Writer contract`,
    WRITER_CHECKS,
    () => checkWriterConformance(options),
    IO_TIMEOUT_MS,
  );
}

/**
 * Registers the object storage suite as vitest tests, one per check, under
 * `describe('<name> conforms to the ObjectStorage contract')`. Call it at the top level of a test file.
 */
export function testObjectStorage(name: string, options: StorageConformanceOptions): void {
  registerChecks(
    `${name} conforms to the ObjectStorage contract`,
    STORAGE_CHECKS,
    () => checkStorageConformance(options),
    IO_TIMEOUT_MS,
  );
}
