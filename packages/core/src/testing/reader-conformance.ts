/**
 * Checks that a Reader keeps the contract in `reader.ts`, the way a storage library runs one
 * shared suite over every driver: the driver supplies a factory and a way to write its format,
 * the kit writes known records, reads them back and reports what broke. Framework-agnostic;
 * `testReader` in `./vitest.ts` turns the report into vitest tests.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Reader, Row } from '../reader.js';
import { col, defineSchema, type Schema } from '../schema.js';
import type { Stats } from '../stats.js';
import { type CheckReport, openDescriptors, runChecks } from './check-report.js';
import { CheckFailure } from './processor-runs.js';
import { describeValue, firstDifference, firstRowDifference } from './row-values.js';

export const READER_CHECKS = [
  'records in order',
  'batches',
  'stats',
  'empty input',
  'missing input',
  'early return releases the input',
  'read twice',
] as const;

export type ReaderCheck = (typeof READER_CHECKS)[number];

/** An input the driver wrote for the kit. */
export interface ReaderInput {
  /** What `read` is given. */
  readonly path: string;
  /**
   * How much `stats().bytesIn` grows when this input is read, as the reader counts bytes (e.g.
   * the decompressed size of a `.gz` file). Leave out to check only that bytesIn grows.
   */
  readonly bytesIn?: number;
}

export interface ReaderConformanceOptions<T = unknown> {
  /** Makes a fresh reader. */
  readonly create: () => Reader<T>;
  /**
   * Writes `records` (rows of `schema`) in the reader's format into `dir`, a new empty
   * directory, and says where they are. Called with no records for the empty-input check.
   */
  readonly write: (records: readonly Row[], schema: Schema, dir: string) => Promise<ReaderInput>;
  /** The record a yielded item stands for (e.g. `r => r.value` for SourceRecords). Default: the item. */
  readonly recordOf?: (item: T) => unknown;
  /** The batch size `create` gives the reader, when it has one: no batch may be larger. */
  readonly batchSize?: number;
  /** The records to write, with their schema. Default: {@link READER_SAMPLE_RECORDS}. */
  readonly records?: { readonly rows: readonly Row[]; readonly schema: Schema };
}

export type ReaderConformanceReport = CheckReport<ReaderCheck>;

/** Columns every format can hold as they are: JSON numbers, strings, booleans and nulls. */
export const READER_SAMPLE_SCHEMA: Schema = defineSchema([
  col.int32('seq', { nullable: false }),
  col.string('product_id', { nullable: false }),
  col.double('price', { nullable: false }),
  col.bool('is_maker'),
  col.string('note'),
]);

const NOTES = ['', 'quote " and \\ backslash', 'Zürich → 東京 🚀', null];

/** 1,000 rows: several batches of any usual batch size, with nulls, empty and non-ASCII text. */
export const READER_SAMPLE_RECORDS: readonly Row[] = Object.freeze(
  Array.from({ length: 1000 }, (_, i) =>
    Object.freeze({
      seq: i,
      product_id: ['BTC-USD', 'ETH-USD', 'SOL-USD'][i % 3],
      price: 65_000 + i * 0.25,
      is_maker: i % 7 === 0 ? null : i % 2 === 0,
      note: NOTES[i % NOTES.length],
    }),
  ),
);

interface ReaderContext<T> {
  readonly options: ReaderConformanceOptions<T>;
  readonly rows: readonly Row[];
  readonly schema: Schema;
  /** A new empty directory under the run's temporary root. */
  dir(): Promise<string>;
  /** The input holding every record, written once. */
  full(): Promise<ReaderInput>;
}

function create<T>(ctx: ReaderContext<T>): Reader<T> {
  let reader: Reader<T>;
  try {
    reader = ctx.options.create();
  } catch (error) {
    throw new CheckFailure(`create() threw ${errorMessage(error)}`);
  }
  if (!reader || typeof reader.read !== 'function' || typeof reader.stats !== 'function') {
    throw new CheckFailure(`create() returned ${describeValue(reader)}, which is not a reader`);
  }
  return reader;
}

function iterate<T>(reader: Reader<T>, input: string): AsyncIterator<T[]> {
  const batches = reader.read(input);
  const start = (batches as Partial<AsyncIterable<T[]>>)?.[Symbol.asyncIterator];
  if (typeof start !== 'function') {
    throw new CheckFailure(`read(input) returned ${describeValue(batches)}, which is not AsyncIterable`);
  }
  return start.call(batches);
}

/** Every batch of one read, failing on a batch that is not an array. */
async function readBatches<T>(reader: Reader<T>, input: string): Promise<unknown[][]> {
  const it = iterate(reader, input);
  const batches: unknown[][] = [];
  for (let next = await it.next(); !next.done; next = await it.next()) {
    if (!Array.isArray(next.value)) {
      throw new CheckFailure(`batch ${batches.length} is ${describeValue(next.value)}, not an array`);
    }
    batches.push(next.value);
  }
  return batches;
}

function recordsOf<T>(ctx: ReaderContext<T>, batches: unknown[][]): unknown[] {
  const recordOf = ctx.options.recordOf ?? ((item: T) => item);
  return batches.flat().map((item) => recordOf(item as T));
}

function stats<T>(reader: Reader<T>, when: string): Stats {
  const s = reader.stats();
  for (const key of ['recordsIn', 'recordsOut', 'errors', 'bytesIn'] as const) {
    const v = s?.[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new CheckFailure(
        `stats().${key} ${when} is ${describeValue(v)}, expected a finite non-negative number`,
      );
    }
  }
  return s;
}

async function checkRecords<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const input = await ctx.full();
  const records = recordsOf(ctx, await readBatches(create(ctx), input.path));
  const diff = firstRowDifference(ctx.rows as unknown[], records);
  return diff && `the records read differ from those written (written vs read): ${diff}`;
}

async function checkBatches<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const input = await ctx.full();
  const sizes = (await readBatches(create(ctx), input.path)).map((b) => b.length);
  const empty = sizes.indexOf(0);
  if (empty >= 0) return `batch ${empty} of ${sizes.length} is empty: yield only batches with records`;
  const max = ctx.options.batchSize;
  const big = max === undefined ? -1 : sizes.findIndex((n) => n > max);
  if (big >= 0) return `batch ${big} holds ${sizes[big]} records, more than batchSize=${max}`;
  return undefined;
}

async function checkStats<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const input = await ctx.full();
  const reader = create(ctx);
  const before = stats(reader, 'on a fresh reader');
  if (before.recordsIn !== 0 || before.recordsOut !== 0 || before.errors !== 0 || before.bytesIn !== 0) {
    return `a fresh reader's stats() count ${describeValue(before)}, expected zeros`;
  }
  const n = recordsOf(ctx, await readBatches(reader, input.path)).length;
  const after = stats(reader, 'after a read');
  const expected = { recordsIn: n, recordsOut: n, errors: 0 };
  const diff = firstDifference(expected, {
    recordsIn: after.recordsIn,
    recordsOut: after.recordsOut,
    errors: after.errors,
  });
  if (diff) return `after reading ${n} valid records, stats() differ (expected vs actual): ${diff}`;
  if (input.bytesIn !== undefined ? after.bytesIn !== input.bytesIn : after.bytesIn <= 0) {
    return `stats().bytesIn after the read is ${after.bytesIn}, expected ${input.bytesIn ?? 'more than 0'}`;
  }
  return undefined;
}

async function checkEmpty<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const input = await ctx.options.write([], ctx.schema, await ctx.dir());
  const reader = create(ctx);
  const batches = await readBatches(reader, input.path);
  if (batches.length > 0)
    return `an empty input yielded ${batches.length} batch(es): ${describeValue(batches)}`;
  const s = stats(reader, 'after reading an empty input');
  if (s.recordsOut !== 0 || s.errors !== 0) {
    return `after reading an empty input stats() count recordsOut=${s.recordsOut} errors=${s.errors}, expected 0`;
  }
  return undefined;
}

async function checkMissing<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const path = join(await ctx.dir(), 'no-such-input');
  try {
    await readBatches(create(ctx), path);
  } catch (error) {
    if (error instanceof CheckFailure) throw error;
    const message = errorMessage(error);
    return message.includes(path)
      ? undefined
      : `reading a missing input failed without naming it: ${message}`;
  }
  return `reading a missing input (${path}) yielded no error`;
}

async function checkEarlyReturn<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const input = await ctx.full();
  const reader = create(ctx);
  await readBatches(reader, input.path); // once through: lazy set-up opens what it keeps open
  const before = await openDescriptors();
  if (before === undefined) return undefined; // no /proc/self/fd here: nothing to count
  const it = iterate(reader, input.path);
  const first = await it.next();
  if (first.done) return 'the input holding every record yielded no batch';
  await it.return?.();
  const after = await openDescriptors();
  if (after !== undefined && after > before) {
    return `stopping after the first batch (return(), as a for-await break does) left ${after - before} file descriptor(s) open`;
  }
  return undefined;
}

async function checkTwice<T>(ctx: ReaderContext<T>): Promise<string | undefined> {
  const input = await ctx.full();
  const reader = create(ctx);
  const first = recordsOf(ctx, await readBatches(reader, input.path));
  const second = recordsOf(ctx, await readBatches(reader, input.path));
  const diff = firstRowDifference(first, second);
  if (diff) return `a second read of the same input gave other records (first vs second): ${diff}`;
  const s = stats(reader, 'after two reads');
  if (s.recordsOut !== first.length * 2) {
    return `stats().recordsOut after two reads of ${first.length} records is ${s.recordsOut}, expected ${first.length * 2} (stats are cumulative)`;
  }
  return undefined;
}

const CHECKS: Record<ReaderCheck, <T>(ctx: ReaderContext<T>) => Promise<string | undefined>> = {
  'records in order': checkRecords,
  batches: checkBatches,
  stats: checkStats,
  'empty input': checkEmpty,
  'missing input': checkMissing,
  'early return releases the input': checkEarlyReturn,
  'read twice': checkTwice,
};

/**
 * Runs every check in {@link READER_CHECKS} against readers from `options.create`, on inputs
 * `options.write` makes in a temporary directory (removed afterwards).
 */
export async function checkReaderConformance<T>(
  options: ReaderConformanceOptions<T>,
): Promise<ReaderConformanceReport> {
  if (!options || typeof options.create !== 'function' || typeof options.write !== 'function') {
    throw new TypeError('checkReaderConformance needs create() and write()');
  }
  const root = await mkdtemp(join(tmpdir(), 'etl-reader-conformance-'));
  let dirs = 0;
  let full: Promise<ReaderInput> | undefined;
  const rows = options.records?.rows ?? READER_SAMPLE_RECORDS;
  const schema = options.records?.schema ?? READER_SAMPLE_SCHEMA;
  const ctx: ReaderContext<T> = {
    options,
    rows,
    schema,
    dir: async () => {
      const dir = join(root, `input-${dirs++}`);
      await mkdir(dir);
      return dir;
    },
    full: () => {
      full ??= ctx.dir().then((dir) => options.write(rows, schema, dir));
      return full;
    },
  };
  try {
    return await runChecks(READER_CHECKS, (check) => CHECKS[check](ctx));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
