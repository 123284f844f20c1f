/**
 * Checks that a Writer keeps the contract in `writer.ts`: the driver supplies a factory and a way
 * to read one of its files back; the kit writes known rows into a temporary directory (removed
 * afterwards), looks at what is on disk and reports what broke. Framework-agnostic; `testWriter`
 * in `./vitest.ts` turns the report into vitest tests.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorMessage, type QuarantineEntry, type QuarantineSink } from '../errors.js';
import { HIVE_DEFAULT_PARTITION, parsePartitionPath } from '../hive.js';
import type { Row } from '../reader.js';
import { col, defineSchema, type Schema } from '../schema.js';
import type { WriteResult, Writer, WriteTarget } from '../writer.js';
import { type CheckReport, runChecks } from './check-report.js';
import { CheckFailure } from './processor-runs.js';
import { describeValue, firstDifference, firstRowDifference } from './row-values.js';
import { filesUnder, isVisible, relativeInside, sizeOf } from './written-files.js';

export const WRITER_CHECKS = [
  'write and close',
  'stats',
  'hive partitions',
  'abort',
  'deferred publish',
  'rows that do not fit',
  'same input replaces its files',
] as const;

export type WriterCheck = (typeof WRITER_CHECKS)[number];

export interface WriterConformanceOptions {
  /** Makes a fresh writer; `quarantine`, when given, is where rows that do not fit go. */
  readonly create: (options: { readonly quarantine?: QuarantineSink }) => Writer<Row>;
  /**
   * The rows of one written file as core values (int64 and timestamps as bigint), with the
   * columns of `schema` the file holds. Partition columns may be left out: the kit takes them
   * from the file's directory.
   */
  readonly readBack: (file: string, schema: Schema) => Promise<Row[]>;
  /**
   * Whether the writer honours `create({ quarantine })`. Either way, without a sink a row that
   * does not fit must fail `write` with a SchemaError.
   */
  readonly quarantine?: boolean;
}

export type WriterConformanceReport = CheckReport<WriterCheck>;

export const WRITER_SAMPLE_SCHEMA: Schema = defineSchema([
  col.int64('seq', { nullable: false }),
  col.string('product_id'),
  col.double('price', { nullable: false }),
  col.bool('is_maker'),
  col.timestamp('time', 'ns', { nullable: false }),
]);

/** Partition values that must never add a path segment or leave the dataset directory. */
export const HOSTILE_PARTITION_VALUES: readonly (string | null)[] = [
  'BTC-USD',
  '../x',
  '../../x',
  'a/b',
  '..',
  '',
  null,
  '100%',
  'key=value',
  'Zürich 東京',
];

const BASE_NS = 1_786_395_942_514_318_123n;

function sampleRows(count: number, first = 0): Row[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return {
      seq: BigInt(i),
      product_id: HOSTILE_PARTITION_VALUES[i % HOSTILE_PARTITION_VALUES.length],
      price: 65_000 + i * 0.01,
      is_maker: i % 5 === 0 ? null : i % 2 === 0,
      time: BASE_NS + BigInt(i) * 1_000_001n,
    };
  });
}

const SAMPLE_ROWS = 300;
const PARTITION = 'product_id';

interface WriterContext {
  readonly options: WriterConformanceOptions;
  /** A new empty directory under the run's temporary root. */
  sandbox(): Promise<string>;
}

function create(ctx: WriterContext, quarantine?: QuarantineSink): Writer<Row> {
  let writer: Writer<Row>;
  try {
    writer = ctx.options.create(quarantine ? { quarantine } : {});
  } catch (error) {
    throw new CheckFailure(`create() threw ${errorMessage(error)}`);
  }
  if (!writer || typeof writer.open !== 'function' || typeof writer.stats !== 'function') {
    throw new CheckFailure(`create() returned ${describeValue(writer)}, which is not a writer`);
  }
  return writer;
}

/** Writes `rows` in uneven batches (one of them empty) and closes. */
async function writeAll(
  writer: Writer<Row>,
  target: WriteTarget,
  rows: readonly Row[],
): Promise<WriteResult> {
  const session = writer.open(target);
  const cuts = [0, Math.floor(rows.length / 3), Math.floor(rows.length / 3), Math.floor(rows.length / 3) + 1];
  for (let i = 0; i < cuts.length; i++) await session.write(rows.slice(cuts[i], cuts[i + 1] ?? rows.length));
  return session.close();
}

/** Problems of the result against what is on disk, or undefined. */
async function resultProblem(
  dataset: string,
  result: WriteResult,
  rows: number,
): Promise<string | undefined> {
  if (!result || !Array.isArray(result.files)) return `close() returned ${describeValue(result)}`;
  let sumRows = 0;
  let sumBytes = 0;
  for (const f of result.files) {
    if (relativeInside(dataset, f.path) === undefined)
      return `${f.path} is outside the dataset directory ${dataset}`;
    const onDisk = await sizeOf(f.tempPath ?? f.path);
    if (onDisk !== f.bytes)
      return `${f.tempPath ?? f.path} holds ${onDisk ?? 'no'} bytes, the result says ${f.bytes}`;
    sumRows += f.rows;
    sumBytes += f.bytes;
  }
  if (sumRows !== rows || result.rows !== rows) {
    return `${rows} rows were written; the files say ${sumRows} and the result ${result.rows}`;
  }
  if (result.bytes !== sumBytes) return `result.bytes is ${result.bytes}, the files add up to ${sumBytes}`;
  return undefined;
}

/** Empty and null partition values both land in the default partition and read back as null. */
function normalised(rows: readonly Row[], partitioned: boolean): Row[] {
  return rows.map((r) => (partitioned && r[PARTITION] === '' ? { ...r, [PARTITION]: null } : r));
}

/** Every row of the files, partition columns from their directories, in `seq` order. */
async function readAllBack(ctx: WriterContext, dataset: string, result: WriteResult): Promise<Row[]> {
  const rows: Row[] = [];
  for (const f of result.files) {
    const dir = relativeInside(dataset, dirname(f.path)) ?? '';
    const partition = parsePartitionPath(dir);
    for (const row of await ctx.options.readBack(f.path, WRITER_SAMPLE_SCHEMA)) {
      const out: Row = {};
      for (const field of WRITER_SAMPLE_SCHEMA.fields) out[field.name] = row[field.name];
      rows.push(Object.assign(out, partition));
    }
  }
  return rows.sort((a, b) => (a.seq === b.seq ? 0 : (a.seq as bigint) < (b.seq as bigint) ? -1 : 1));
}

async function sameRows(
  ctx: WriterContext,
  dataset: string,
  result: WriteResult,
  rows: readonly Row[],
  partitioned: boolean,
) {
  const diff = firstRowDifference(normalised(rows, partitioned), await readAllBack(ctx, dataset, result));
  return diff && `the rows read back differ from those written (written vs read): ${diff}`;
}

async function checkWriteAndClose(ctx: WriterContext): Promise<string | undefined> {
  const dataset = join(await ctx.sandbox(), 'dataset');
  const rows = sampleRows(SAMPLE_ROWS);
  const result = await writeAll(
    create(ctx),
    { path: dataset, schema: WRITER_SAMPLE_SCHEMA, inputId: 'seg-1' },
    rows,
  );
  const problem = await resultProblem(dataset, result, rows.length);
  if (problem) return problem;
  const deferred = result.files.find((f) => f.tempPath !== undefined);
  if (deferred) return `${deferred.path} has a tempPath though publishing was not deferred`;
  const visible = (await filesUnder(dataset)).filter(isVisible).sort();
  const diff = firstDifference(result.files.map((f) => f.path).sort(), visible);
  if (diff)
    return `the files in the dataset directory are not those close() reported (reported vs found): ${diff}`;
  return sameRows(ctx, dataset, result, rows, false);
}

async function checkStats(ctx: WriterContext): Promise<string | undefined> {
  const writer = create(ctx);
  const fresh = writer.stats();
  if (fresh.recordsIn !== 0 || fresh.recordsOut !== 0 || fresh.bytesOut !== 0 || fresh.errors !== 0) {
    return `a fresh writer's stats() count ${describeValue(fresh)}, expected zeros`;
  }
  const dataset = join(await ctx.sandbox(), 'dataset');
  const target = { path: dataset, schema: WRITER_SAMPLE_SCHEMA, partitionCols: [PARTITION] };
  const first = await writeAll(writer, target, sampleRows(SAMPLE_ROWS));
  const second = await writeAll(writer, { ...target, inputId: 'seg-2' }, sampleRows(40, SAMPLE_ROWS));
  const s = writer.stats();
  const rows = first.rows + second.rows;
  const expected = { recordsIn: rows, recordsOut: rows, bytesOut: first.bytes + second.bytes, errors: 0 };
  const actual = { recordsIn: s.recordsIn, recordsOut: s.recordsOut, bytesOut: s.bytesOut, errors: s.errors };
  const diff = firstDifference(expected, actual);
  return diff && `after two sessions, stats() differ from the results (expected vs actual): ${diff}`;
}

async function checkHive(ctx: WriterContext): Promise<string | undefined> {
  const sandbox = await ctx.sandbox();
  const dataset = join(sandbox, 'inner', 'dataset');
  const rows = sampleRows(SAMPLE_ROWS);
  const target = {
    path: dataset,
    schema: WRITER_SAMPLE_SCHEMA,
    partitionCols: [PARTITION],
    inputId: 'seg-1',
  };
  const result = await writeAll(create(ctx), target, rows);
  const problem = await resultProblem(dataset, result, rows.length);
  if (problem) return problem;
  const outside = (await filesUnder(sandbox)).filter((f) => relativeInside(dataset, f) === undefined);
  if (outside.length > 0) return `files were written outside the dataset directory: ${outside.join(', ')}`;
  for (const f of result.files) {
    const dir = relativeInside(dataset, dirname(f.path)) ?? '';
    if (dir.split('/').length !== 1 || !dir.startsWith(`${PARTITION}=`)) {
      return `${f.path} is not one ${PARTITION}=<value> directory below the dataset (${describeValue(dir)})`;
    }
    const fromPath = parsePartitionPath(dir);
    const reported = { [PARTITION]: f.partition?.[PARTITION] === '' ? null : f.partition?.[PARTITION] };
    const diff = firstDifference(fromPath, reported);
    if (diff)
      return `${f.path}: its directory and WrittenFile.partition disagree (path vs reported): ${diff}`;
  }
  const defaults = result.files.filter((f) => f.path.includes(`${PARTITION}=${HIVE_DEFAULT_PARTITION}`));
  if (defaults.length === 0)
    return `no file under ${PARTITION}=${HIVE_DEFAULT_PARTITION} for the null and empty values`;
  return sameRows(ctx, dataset, result, rows, true);
}

async function checkAbort(ctx: WriterContext): Promise<string | undefined> {
  const dataset = join(await ctx.sandbox(), 'dataset');
  const session = create(ctx).open({
    path: dataset,
    schema: WRITER_SAMPLE_SCHEMA,
    partitionCols: [PARTITION],
  });
  const rows = sampleRows(SAMPLE_ROWS);
  await session.write(rows.slice(0, 100));
  await session.write(rows.slice(100));
  await session.abort();
  const left = await filesUnder(dataset);
  return left.length === 0
    ? undefined
    : `abort() left ${left.length} file(s): ${left.slice(0, 5).join(', ')}`;
}

async function checkDeferred(ctx: WriterContext): Promise<string | undefined> {
  const dataset = join(await ctx.sandbox(), 'dataset');
  const rows = sampleRows(SAMPLE_ROWS);
  const target = {
    path: dataset,
    schema: WRITER_SAMPLE_SCHEMA,
    partitionCols: [PARTITION],
    deferPublish: true,
  };
  const result = await writeAll(create(ctx), target, rows);
  const problem = await resultProblem(dataset, result, rows.length);
  if (problem) return problem;
  const unpublished = result.files.find((f) => f.tempPath === undefined);
  if (unpublished) return `${unpublished.path} has no tempPath though publishing was deferred`;
  const visible = (await filesUnder(dataset)).filter(isVisible);
  if (visible.length > 0) {
    return `before publishing, ${visible.length} file(s) are visible (names not starting with "." or "_"): ${visible.slice(0, 5).join(', ')}`;
  }
  for (const f of result.files) {
    await mkdir(dirname(f.path), { recursive: true });
    await rename(f.tempPath as string, f.path);
  }
  return sameRows(ctx, dataset, result, rows, true);
}

/** Ten rows, the fourth with a string where a double belongs. */
function rowsWithMisfit(): Row[] {
  const rows = sampleRows(10);
  rows[3] = { ...rows[3], price: 'not a number' };
  return rows;
}

async function checkMisfit(ctx: WriterContext): Promise<string | undefined> {
  const dataset = join(await ctx.sandbox(), 'dataset');
  const session = create(ctx).open({ path: dataset, schema: WRITER_SAMPLE_SCHEMA });
  let failure: unknown;
  try {
    await session.write(rowsWithMisfit());
  } catch (error) {
    failure = error;
  }
  await session.abort();
  const code = (failure as { code?: unknown } | undefined)?.code;
  if (failure === undefined) return 'without a quarantine, write() accepted a string in a double column';
  if (code !== 'E_SCHEMA')
    return `write() failed with ${errorMessage(failure)} (code ${describeValue(code)}), expected a SchemaError`;
  if (!errorMessage(failure).includes('price'))
    return `the SchemaError does not name the column: ${errorMessage(failure)}`;
  if (!ctx.options.quarantine) return undefined;
  const entries: QuarantineEntry[] = [];
  const writer = create(ctx, { put: (entry) => void entries.push(entry) });
  const rows = rowsWithMisfit();
  const qDataset = join(await ctx.sandbox(), 'dataset');
  const result = await writeAll(writer, { path: qDataset, schema: WRITER_SAMPLE_SCHEMA }, rows);
  if (entries.length !== 1 || !entries[0]?.reason.includes('price')) {
    return `with a quarantine, the misfit row should be its one entry, naming the column; got ${describeValue(entries)}`;
  }
  if (writer.stats().errors !== 1)
    return `stats().errors is ${writer.stats().errors} after one quarantined row, expected 1`;
  const kept = rows.filter((_, i) => i !== 3);
  return (await resultProblem(qDataset, result, kept.length)) ?? sameRows(ctx, qDataset, result, kept, false);
}

async function checkReplace(ctx: WriterContext): Promise<string | undefined> {
  const dataset = join(await ctx.sandbox(), 'dataset');
  const target = { path: dataset, schema: WRITER_SAMPLE_SCHEMA, inputId: 'segment-7' };
  await writeAll(create(ctx), target, sampleRows(SAMPLE_ROWS));
  const again = sampleRows(50, 1000);
  const result = await writeAll(create(ctx), target, again);
  const visible = (await filesUnder(dataset)).filter(isVisible).sort();
  const diff = firstDifference(result.files.map((f) => f.path).sort(), visible);
  if (diff)
    return `after writing input "segment-7" again, the dataset holds other files than the second close() reported (reported vs found): ${diff}`;
  return sameRows(ctx, dataset, result, again, false);
}

const CHECKS: Record<WriterCheck, (ctx: WriterContext) => Promise<string | undefined>> = {
  'write and close': checkWriteAndClose,
  stats: checkStats,
  'hive partitions': checkHive,
  abort: checkAbort,
  'deferred publish': checkDeferred,
  'rows that do not fit': checkMisfit,
  'same input replaces its files': checkReplace,
};

/** Runs every check in {@link WRITER_CHECKS} against writers from `options.create`. */
export async function checkWriterConformance(
  options: WriterConformanceOptions,
): Promise<WriterConformanceReport> {
  if (!options || typeof options.create !== 'function' || typeof options.readBack !== 'function') {
    throw new TypeError('checkWriterConformance needs create() and readBack()');
  }
  const root = await mkdtemp(join(tmpdir(), 'etl-writer-conformance-'));
  let sandboxes = 0;
  const ctx: WriterContext = {
    options,
    sandbox: async () => {
      const dir = join(root, `sandbox-${sandboxes++}`);
      await mkdir(dir);
      return dir;
    },
  };
  try {
    return await runChecks(WRITER_CHECKS, (check) => CHECKS[check](ctx));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
