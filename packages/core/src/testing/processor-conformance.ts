/**
 * Checks that a processor keeps the Processor contract the pipelines rely on. Framework-agnostic:
 * it returns a report instead of asserting, so any test runner (or a plain script) can use it;
 * `testProcessor` in `./vitest.ts` turns the report into vitest tests.
 */
import { errorMessage } from '../errors.js';
import type { Processor } from '../processor.js';
import type { Row } from '../reader.js';
import type { Schema } from '../schema.js';
import {
  type CheckContext,
  checkOutputSchema,
  type SideOutput,
  withoutRestoreRecords,
} from './processor-context.js';
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
import { deepFreeze, describeValue, firstDifference, firstRowDifference } from './row-values.js';
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
  /** Rows it emits for other datasets (e.g. data-quality rows), each checked against its own schema. */
  readonly sideOutputs?: readonly SideOutput[];
  /**
   * `true` for a processor that adds its columns to the rows it is given, in place, instead of
   * copying them (the rows belong to the chain; the built-in Coinbase processors do this for
   * speed). The mutation check then only requires that values already set (not null) stay as
   * they were. Default false: input rows must be left exactly as they were.
   */
  readonly inPlace?: boolean;
  /**
   * For a processor that needs some rows in one batch (the rows of one message, when it was
   * told messages end at batch ends): consecutive rows with the same key form a group, which
   * the batching check never splits. Give `batches` cut between groups too.
   */
  readonly groupOf?: (row: Row) => unknown;
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

const REQUIRED_COUNTS = ['recordsIn', 'recordsOut', 'errors', 'bytesIn', 'bytesOut'] as const;
const COPY_HINT = 'processors must not modify their input: copy a row ({ ...row }) before changing it';

function checkName(ctx: CheckContext): string | undefined {
  const name: unknown = ctx.create().name;
  if (typeof name === 'string' && name.trim() !== '') return undefined;
  return `name must be a non-empty string, got ${describeValue(name)}`;
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

/** Runs of consecutive rows with the same group key. */
function groupsOf(rows: Row[], groupOf: (row: Row) => unknown): Row[][] {
  const groups: Row[][] = [];
  let key: unknown;
  for (const row of rows) {
    const k = groupOf(row);
    if (groups.length === 0 || !Object.is(k, key)) groups.push([]);
    groups[groups.length - 1]!.push(row);
    key = k;
  }
  return groups;
}

function checkBatching(ctx: CheckContext): string | undefined {
  const reference = allRows(feed(ctx.create(), ctx.input()));
  const rowCount = ctx.pristine.reduce((n, batch) => n + batch.length, 0);
  const variants: [string, () => Batches][] = [
    [`all ${rowCount} rows as one batch`, () => [ctx.input().flat()]],
    ctx.groupOf
      ? ['one group of rows per batch', () => groupsOf(ctx.input().flat(), ctx.groupOf!)]
      : ['one row per batch', () => ctx.input().flatMap((batch) => batch.map((row) => [row]))],
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

/** The values of `after` at the keys where `before` holds a value (not null): what in-place may not change. */
function setValues(before: Row, after: Row | undefined): [Row, Row] {
  const kept: Row = {};
  const now: Row = {};
  for (const key of Object.keys(before)) {
    if (before[key] === null || before[key] === undefined) continue;
    kept[key] = before[key];
    now[key] = after?.[key];
  }
  return [kept, now];
}

function checkInputNotMutated(ctx: CheckContext): string | undefined {
  // First on plain copies, compared afterwards: says which value changed.
  const copies = ctx.input();
  feed(ctx.create(), copies);
  let changed = 0;
  let first = '';
  ctx.pristine.forEach((batch, i) => {
    batch.forEach((row, j) => {
      const [before, after] = ctx.inPlace ? setValues(row, copies[i]?.[j]) : [row, copies[i]?.[j]];
      const diff = firstDifference(before, after);
      if (diff && changed++ === 0) first = `row ${j} of batch ${i} (before vs after): ${diff}`;
    });
  });
  if (changed > 0) {
    const hint = ctx.inPlace ? 'with inPlace, a processor may only add columns or fill null ones' : COPY_HINT;
    return `process() changed ${changed} input row(s), first ${first}; ${hint}`;
  }
  if (ctx.inPlace) return undefined;
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
  const sides = ctx.sideOutputs;
  const reference = withoutRestoreRecords(allRows(feed(ctx.create(), ctx.input())), sides);
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
    const diff = firstRowDifference(reference, withoutRestoreRecords([...before, ...rest], sides));
    if (diff) {
      return `checkpoint ${when}, through JSON into a fresh instance, changed the output (one instance vs split): ${diff}`;
    }
    const batch = batches[k];
    if (batch) for (const row of processBatch(first, batch, k)) before.push(row);
  }
  const flushed = typeof first.flush === 'function' ? call('flush()', () => first.flush?.()) : [];
  const after = [...before, ...(Array.isArray(flushed) ? flushed : [])];
  const diff = firstRowDifference(reference, withoutRestoreRecords(after, sides));
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
    sideOutputs: options.sideOutputs ?? [],
    inPlace: options.inPlace === true,
    ...(options.groupOf ? { groupOf: options.groupOf } : {}),
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
