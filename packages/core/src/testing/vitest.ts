import { describe, expect, it } from 'vitest';
import {
  CONFORMANCE_CHECKS,
  type ConformanceOptions,
  type ConformanceReport,
  checkProcessorConformance,
} from './processor-conformance.js';

/**
 * Registers the conformance checks as vitest tests, one per check, under
 * `describe('<name> conforms to the Processor contract')`. Call it at the top level of a test
 * file. The checks run once, on the first test, and every test reads the shared report.
 */
export function testProcessor(name: string, options: ConformanceOptions): void {
  describe(`${name} conforms to the Processor contract`, () => {
    let report: Promise<ConformanceReport> | undefined;
    for (const check of CONFORMANCE_CHECKS) {
      it(check, async () => {
        report ??= checkProcessorConformance(options);
        const { failures } = await report;
        expect(failures.filter((f) => f.check === check).map((f) => f.detail)).toEqual([]);
      });
    }
  });
}
