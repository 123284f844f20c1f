/** What the reader and writer suites share: running named checks into a report, counting open files. */
import { readdir } from 'node:fs/promises';
import { errorMessage } from '../errors.js';
import { CheckFailure } from './processor-runs.js';

export interface CheckReport<C extends string> {
  readonly passed: C[];
  readonly failures: { readonly check: C; readonly detail: string }[];
}

/**
 * Runs each check in order. A check returns a failure detail or undefined; a `CheckFailure` it
 * throws is its detail, and anything else it throws is reported as the check itself failing.
 */
export async function runChecks<C extends string>(
  checks: readonly C[],
  run: (check: C) => Promise<string | undefined>,
): Promise<CheckReport<C>> {
  const passed: C[] = [];
  const failures: { check: C; detail: string }[] = [];
  for (const check of checks) {
    let detail: string | undefined;
    try {
      detail = await run(check);
    } catch (error) {
      detail =
        error instanceof CheckFailure ? error.message : `the check itself failed: ${errorMessage(error)}`;
    }
    if (detail === undefined) passed.push(check);
    else failures.push({ check, detail });
  }
  return { passed, failures };
}

/** Open file descriptors of this process (Linux `/proc/self/fd`), or undefined where unknown. */
export async function openDescriptors(): Promise<number | undefined> {
  try {
    return (await readdir('/proc/self/fd')).length;
  } catch {
    return undefined;
  }
}
