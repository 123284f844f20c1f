/**
 * Checks that a processor keeps the Processor contract the pipelines rely on. Framework-agnostic:
 * it returns a report instead of asserting, so any test runner (or a plain script) can use it;
 * `testProcessor` in `./vitest.ts` turns the report into vitest tests.
 */
import { errorMessage } from '../errors.js';
import type { Processor } from '../processor.js';
import type { Row } from '../reader.js';
import { checkRow, type Schema } from '../schema.js';
import {
  type AnyProcessor,
  allRows,
  type Batches,
  CheckFailure,
  call,
  copyBatches,
  feed,
  make,
  processBatch,
  processOnly,
  statsOf,
} from './processor-runs.js';
import { deepFreeze, describeValue, firstDifference, firstRowDifference, isRowObject } from './row-values.js';
import { sampleSchemaOf } from './sample-schema.js';

/** Every check, in the order they run. Names are stable: reports and test titles use them. */
export const CONFORMANCE_CHECKS = [
  'name',
  'output schema',
  'empty batch',
  'determinism',
  'batching independence',
  'flush',
  'stats',
  'input not mutated',
  'checkpoint/restore',
] as const;

export type ConformanceCheck = (typeof CONFORMANCE_CHECKS)[number];

export interface ConformanceOptions {
  /** Makes a fresh processor. Called many times: every check starts from new instances. */
  readonly create: () => Processor<Row, unknown>;
  /**
   * Input rows in batches, as a pipeline would feed them. Representative but small: the
   * checkpoint check replays the input once per batch boundary.
   */
  readonly batches: readonly (readonly Row[])[];
  /**
   * Schema of the input rows, given to `outputSchema`. Without it the kit gives a schema guessed
   * from the input rows (scalar columns only), so a processor that adds columns to whatever it
   * is given can be checked without importing the schema of its input.
   */
  readonly inputSchema?: Schema;
  /**
   * `true` for a processor that emits rows of several shapes (a parser of every channel): its
   * `outputSchema` returns undefined, as the contract allows, and the check only requires row
   * objects. Default false: `outputSchema` must declare every emitted column.
   */
  readonly severalShapes?: boolean;
}

export interface ConformanceFailure {
  readonly check: ConformanceCheck;
  /** What went wrong, with the batch/row and the values involved. */
  readonly detail: string;
}

export interface ConformanceReport {
  readonly passed: ConformanceCheck[];
  readonly failures: ConformanceFailure[];
}

/** What every check gets. */
interface CheckContext {
  create(): AnyProcessor;
  /** The author's input schema, or one guessed from the input rows. */
  readonly inputSchema: Schema;
  /** How failure details name the input schema. */
  readonly inputSchemaLabel: string;
  /** Whether the author gave the input schema (else `outputSchema(undefined)` is tried too). */
  readonly inputSchemaGiven: boolean;
  readonly severalShapes: boolean;
  /**
   * A fresh deep copy of the input for one run, so a processor that writes to its input cannot
   * change what later runs see (and fail checks other than the mutation check).
   */
  input(): Row[][];
  /** The input as given, copied once up front and never fed to a processor. */
  readonly pristine: Batches;
}

const REQUIRED_COUNTS = ['recordsIn', 'recordsOut', 'errors', 'bytesIn', 'bytesOut'] as const;
const MAX_LISTED_PROBLEMS = 5;
const COPY_HINT = 'processors must not modify their input: copy a row ({ ...row }) before changing it';

function checkName(ctx: CheckContext): string | undefined {
  const name: unknown = ctx.create().name;
  if (typeof name === 'string' && name.trim() !== '') return undefined;
  return `name must be a non-empty string, got ${describeValue(name)}`;
}

function checkOutputSchema(ctx: CheckContext): string | undefined {
  const p = ctx.create();
  if (!ctx.inputSchemaGiven) {
    // Input unknown: any schema or undefined (a processor that adds columns cannot know), no throw.
    const unknown = call('outputSchema(undefined)', () => p.outputSchema(undefined));
    if (unknown !== undefined && !Array.isArray(unknown?.fields)) {
      return `outputSchema(undefined) returned ${describeValue(unknown)}: return a schema or undefined`;
    }
  }
  const label = `outputSchema(${ctx.inputSchemaLabel})`;
  const schema = call(label, () => p.outputSchema(ctx.inputSchema));
  if (ctx.severalShapes) return rowObjectsProblem(p, ctx);
  if (!schema || !Array.isArray(schema.fields)) {
    return `${label} returned ${describeValue(schema)}: declare the columns the processor emits (or pass severalShapes: true for a processor that emits rows of several shapes)`;
  }
  const declared = new Set(schema.fields.map((f) => f.name));
  const emitted = feed(p, ctx.input());
  const listed: string[] = [];
  let bad = 0;
  let total = 0;
  const inspect = (rows: unknown[], where: string): void => {
    for (let j = 0; j < rows.length; j++) {
      total++;
      const row = rows[j];
      let problems: string[];
      if (!isRowObject(row)) problems = [`not a row object: ${describeValue(row)}`];
      else {
        problems = checkRow(schema, row);
        for (const key of Object.keys(row)) {
          if (declared.has(key) || row[key] === undefined) continue;
          problems.push(`column "${key}" is not in outputSchema`);
        }
      }
      if (problems.length === 0) continue;
      bad++;
      if (listed.length < MAX_LISTED_PROBLEMS) listed.push(`${where} row ${j}: ${problems.join('; ')}`);
    }
  };
  for (let i = 0; i < emitted.batches.length; i++) inspect(emitted.batches[i]!, `batch ${i}`);
  inspect(emitted.flushed, 'flush()');
  if (bad === 0) return undefined;
  return `${bad} of ${total} emitted rows do not fit outputSchema: ${listed.join(' | ')}`;
}

/** For a processor of several shapes: every emitted row is still a row object. */
function rowObjectsProblem(p: AnyProcessor, ctx: CheckContext): string | undefined {
  const emitted = feed(p, ctx.input());
  const where = [...emitted.batches.map((_, i) => `batch ${i}`), 'flush()'];
  const groups = [...emitted.batches, emitted.flushed];
  for (let i = 0; i < groups.length; i++) {
    const j = groups[i]!.findIndex((row) => !isRowObject(row));
    if (j >= 0) return `${where[i]} row ${j} is not a row object: ${describeValue(groups[i]![j])}`;
  }
  return undefined;
}

function emptyBatchProblem(p: AnyProcessor, when: string): string | undefined {
  const before = statsOf(p);
  const out = call('process([])', () => p.process([]));
  if (!Array.isArray(out) || out.length !== 0) {
    return `process([]) ${when} returned ${describeValue(out)}, expected []`;
  }
  const diff = firstDifference(before, statsOf(p));
  return diff ? `process([]) ${when} changed stats() (before vs after): ${diff}` : undefined;
}

function checkEmptyBatch(ctx: CheckContext): string | undefined {
  const p = ctx.create();
  const fresh = emptyBatchProblem(p, 'on a fresh instance');
  if (fresh) return fresh;
  processOnly(p, ctx.input());
  return emptyBatchProblem(p, `after ${ctx.pristine.length} batches`);
}

function checkDeterminism(ctx: CheckContext): string | undefined {
  const first = ctx.create();
  const second = ctx.create();
  const diff = firstRowDifference(allRows(feed(first, ctx.input())), allRows(feed(second, ctx.input())));
  return diff && `two fresh instances fed the same batches emitted different rows (first vs second): ${diff}`;
}

function checkBatching(ctx: CheckContext): string | undefined {
  const reference = allRows(feed(ctx.create(), ctx.input()));
  const rowCount = ctx.pristine.reduce((n, batch) => n + batch.length, 0);
  const variants: [string, () => Batches][] = [
    [`all ${rowCount} rows as one batch`, () => [ctx.input().flat()]],
    ['one row per batch', () => ctx.input().flatMap((batch) => batch.map((row) => [row]))],
  ];
  for (const [label, rebatch] of variants) {
    const diff = firstRowDifference(reference, allRows(feed(ctx.create(), rebatch())));
    if (diff) {
      return `feeding ${label} instead of the given ${ctx.pristine.length} batches changed the output (given vs ${label}): ${diff}`;
    }
  }
  return undefined;
}

function checkFlush(ctx: CheckContext): string | undefined {
  const probe = ctx.create();
  if (probe.flush === undefined) return undefined;
  if (typeof probe.flush !== 'function') {
    return `flush is ${describeValue(probe.flush)}: make it a method or leave it out`;
  }
  const p = ctx.create();
  processOnly(p, ctx.input());
  const atEnd = call('flush() after the last batch', () => p.flush?.());
  if (!Array.isArray(atEnd)) {
    return `flush() after the last batch returned ${describeValue(atEnd)}, expected an array of rows`;
  }
  // An empty input ends too: flush must cope with an instance that never saw a row.
  const idle = ctx.create();
  const onEmpty = call('flush() with no input', () => idle.flush?.());
  if (!Array.isArray(onEmpty)) {
    return `flush() with no input returned ${describeValue(onEmpty)}, expected an array of rows`;
  }
  return undefined;
}

function statsProblem(p: AnyProcessor, fed: number, emitted: number, when: string): string | undefined {
  const s = statsOf(p) as unknown as Record<string, unknown> | undefined;
  if (!s || typeof s !== 'object') return `stats() ${when} returned ${describeValue(s)}`;
  if (typeof s.name !== 'string' || s.name === '') {
    return `stats().name ${when} is ${describeValue(s.name)}, expected a non-empty string`;
  }
  for (const key of REQUIRED_COUNTS) {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      return `stats().${key} ${when} is ${describeValue(v)}, expected a finite non-negative number`;
    }
  }
  if (s.recordsIn !== fed) {
    return `stats().recordsIn ${when} is ${s.recordsIn}, expected ${fed} (the rows fed so far)`;
  }
  if (s.recordsOut !== emitted) {
    return `stats().recordsOut ${when} is ${s.recordsOut}, expected ${emitted} (the rows emitted so far, flushed rows included)`;
  }
  const counters = s.counters;
  if (!counters || typeof counters !== 'object') {
    return `stats().counters ${when} is ${describeValue(counters)}, expected an object`;
  }
  for (const [key, v] of Object.entries(counters)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      return `stats().counters.${key} ${when} is ${describeValue(v)}, expected a finite non-negative number`;
    }
  }
  return undefined;
}

function checkStats(ctx: CheckContext): string | undefined {
  const p = ctx.create();
  let fed = 0;
  let emitted = 0;
  let problem = statsProblem(p, fed, emitted, 'on a fresh instance');
  const input = ctx.input();
  for (let i = 0; i < input.length && !problem; i++) {
    const batch = input[i]!;
    emitted += processBatch(p, batch, i).length;
    fed += batch.length;
    problem = statsProblem(p, fed, emitted, `after batch ${i}`);
  }
  if (problem || typeof p.flush !== 'function') return problem;
  const flushed = call('flush()', () => p.flush?.());
  emitted += Array.isArray(flushed) ? flushed.length : 0;
  return statsProblem(p, fed, emitted, 'after flush()');
}

function checkInputNotMutated(ctx: CheckContext): string | undefined {
  // First on plain copies, compared afterwards: says which value changed.
  const copies = ctx.input();
  feed(ctx.create(), copies);
  let changed = 0;
  let first = '';
  ctx.pristine.forEach((batch, i) => {
    batch.forEach((row, j) => {
      const diff = firstDifference(row, copies[i]?.[j]);
      if (diff && changed++ === 0) first = `row ${j} of batch ${i} (before vs after): ${diff}`;
    });
  });
  if (changed > 0) return `process() changed ${changed} input row(s), first ${first}; ${COPY_HINT}`;
  // Then on deep-frozen copies: catches writes that were undone or that the comparison cannot see.
  const frozen = ctx.input().map((batch) => Object.freeze(batch.map((row) => deepFreeze(row))));
  try {
    feed(ctx.create(), frozen);
  } catch (error) {
    return `given deep-frozen input rows, ${errorMessage(error)}; ${COPY_HINT}`;
  }
  return undefined;
}

function checkCheckpoint(ctx: CheckContext): string | undefined {
  const probe = ctx.create();
  const hasCheckpoint = typeof probe.checkpoint === 'function';
  const hasRestore = typeof probe.restore === 'function';
  if (!hasCheckpoint && !hasRestore) return undefined;
  if (!hasCheckpoint || !hasRestore) {
    return `implements ${hasCheckpoint ? 'checkpoint()' : 'restore()'} without ${hasCheckpoint ? 'restore()' : 'checkpoint()'}: implement both or neither`;
  }
  const reference = allRows(feed(ctx.create(), ctx.input()));
  const batches = ctx.input();
  const first = ctx.create();
  const before: unknown[] = [];
  for (let k = 0; k <= batches.length; k++) {
    const when = `after ${k} of ${batches.length} batches`;
    const state = call(`checkpoint() ${when}`, () => first.checkpoint?.());
    let json: string | undefined;
    try {
      json = JSON.stringify(state);
    } catch (error) {
      return `checkpoint() ${when} is not JSON-serialisable: ${errorMessage(error)}`;
    }
    const second = ctx.create();
    const restored = json === undefined ? undefined : JSON.parse(json);
    call(`restore() of the checkpoint ${when}`, () => second.restore?.(restored));
    const rest = allRows(feed(second, ctx.input().slice(k), k));
    const diff = firstRowDifference(reference, [...before, ...rest]);
    if (diff) {
      return `checkpoint ${when}, through JSON into a fresh instance, changed the output (one instance vs split): ${diff}`;
    }
    const batch = batches[k];
    if (batch) for (const row of processBatch(first, batch, k)) before.push(row);
  }
  const flushed = typeof first.flush === 'function' ? call('flush()', () => first.flush?.()) : [];
  const diff = firstRowDifference(reference, [...before, ...(Array.isArray(flushed) ? flushed : [])]);
  return (
    diff &&
    `calling checkpoint() changed what the instance emits afterwards (without vs with checkpoints): ${diff}`
  );
}

const CHECKS: Readonly<Record<ConformanceCheck, (ctx: CheckContext) => string | undefined>> = {
  name: checkName,
  'output schema': checkOutputSchema,
  'empty batch': checkEmptyBatch,
  determinism: checkDeterminism,
  'batching independence': checkBatching,
  flush: checkFlush,
  stats: checkStats,
  'input not mutated': checkInputNotMutated,
  'checkpoint/restore': checkCheckpoint,
};

/**
 * Runs every check in {@link CONFORMANCE_CHECKS} on fresh instances from `options.create` and
 * reports which passed and why the others failed. A check that does not apply (no `flush`, no
 * `checkpoint`) passes. Throws only when the options themselves are unusable.
 */
export async function checkProcessorConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  if (!options || typeof options.create !== 'function') {
    throw new TypeError('checkProcessorConformance needs create()');
  }
  if (!Array.isArray(options.batches) || !options.batches.every((b) => Array.isArray(b))) {
    throw new TypeError('checkProcessorConformance needs batches: an array of arrays of rows');
  }
  const pristine = copyBatches(options.batches);
  const { create } = options;
  const ctx: CheckContext = {
    create: () => make(create),
    inputSchema: options.inputSchema ?? sampleSchemaOf(pristine.flat()),
    inputSchemaLabel: options.inputSchema ? 'inputSchema' : 'schema guessed from the input rows',
    inputSchemaGiven: options.inputSchema !== undefined,
    severalShapes: options.severalShapes === true,
    input: () => copyBatches(pristine),
    pristine,
  };
  const passed: ConformanceCheck[] = [];
  const failures: ConformanceFailure[] = [];
  for (const check of CONFORMANCE_CHECKS) {
    let detail: string | undefined;
    try {
      detail = CHECKS[check](ctx);
    } catch (error) {
      detail =
        error instanceof CheckFailure ? error.message : `the check itself failed: ${errorMessage(error)}`;
    }
    if (detail === undefined) passed.push(check);
    else failures.push({ check, detail });
  }
  return { passed, failures };
}
