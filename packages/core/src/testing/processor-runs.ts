/**
 * Running a processor under test: every call is wrapped so that a throw or a wrong return type
 * becomes a failure detail naming the call (`process(batch 3) threw ...`) instead of an exception.
 */
import { errorMessage } from '../errors.js';
import type { Processor } from '../processor.js';
import type { Row } from '../reader.js';
import type { Stats } from '../stats.js';
import { cloneValue, describeValue } from './row-values.js';

/** A check's verdict carried out of nested calls; its message is the failure detail. */
export class CheckFailure extends Error {}

export type AnyProcessor = Processor<Row, unknown>;
export type Batches = readonly (readonly Row[])[];

/** What one instance emitted: per batch, then from flush. */
export interface Emitted {
  readonly batches: unknown[][];
  readonly flushed: unknown[];
}

/** Runs `fn`, turning anything it throws into a failure that says which call threw. */
export function call<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CheckFailure) throw error;
    const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
    throw new CheckFailure(`${what} threw ${name}${errorMessage(error)}`);
  }
}

export function make(create: () => AnyProcessor): AnyProcessor {
  const p = call('create()', create);
  if (!p || typeof p !== 'object' || typeof p.process !== 'function' || typeof p.stats !== 'function') {
    throw new CheckFailure(`create() returned ${describeValue(p)}, which is not a processor`);
  }
  return p;
}

export function copyBatches(batches: Batches): Row[][] {
  return batches.map((batch) => batch.map((row) => cloneValue(row)));
}

function rowsOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new CheckFailure(`${what} returned ${describeValue(value)} instead of an array`);
  }
  return value;
}

/** Feeds every batch, then flushes. A non-array from flush counts as no rows (the flush check reports it). */
export function feed(p: AnyProcessor, batches: Batches, firstIndex = 0): Emitted {
  const emitted = batches.map((batch, i) => processBatch(p, batch, firstIndex + i));
  const flushed = typeof p.flush === 'function' ? call('flush()', () => p.flush?.()) : [];
  return { batches: emitted, flushed: Array.isArray(flushed) ? flushed : [] };
}

/** `p.process(batch)`, failing with the batch index when it throws or returns a non-array. */
export function processBatch(p: AnyProcessor, batch: readonly Row[], index: number): unknown[] {
  const what = `process(batch ${index})`;
  const out = call(what, () => p.process(batch));
  return rowsOf(out, what);
}

/** Feeds every batch without flushing, ignoring the output. */
export function processOnly(p: AnyProcessor, batches: Batches): void {
  for (let i = 0; i < batches.length; i++) processBatch(p, batches[i]!, i);
}

export function statsOf(p: AnyProcessor): Stats {
  return call('stats()', () => p.stats());
}

export function allRows(emitted: Emitted): unknown[] {
  return [...emitted.batches.flat(), ...emitted.flushed];
}
