/**
 * The output schema check of the processor kit: every emitted row fits `outputSchema`, or the
 * schema of the side output it belongs to.
 */
import type { Row } from '../reader.js';
import { checkRow, type Schema } from '../schema.js';
import { type AnyProcessor, type Batches, call, feed } from './processor-runs.js';
import { describeValue, isRowObject } from './row-values.js';

/**
 * Rows a processor emits besides its main output, for another dataset (e.g. data-quality rows),
 * told apart by `test` and checked against their own schema.
 */
export interface SideOutput {
  readonly name: string;
  /** Undefined for rows no dataset stores (control rows passed on to a later stage): any row object. */
  readonly schema: Schema | undefined;
  test(row: Readonly<Row>): boolean;
  /**
   * The processor emits such rows to record that it was restored from a checkpoint (so a split
   * run has more of them than one run): the checkpoint check leaves them out.
   */
  readonly recordsRestores?: boolean;
}

const MAX_LISTED_PROBLEMS = 5;

/** What every check gets. */
export interface CheckContext {
  create(): AnyProcessor;
  /** The author's input schema, or one guessed from the input rows. */
  readonly inputSchema: Schema;
  /** How failure details name the input schema. */
  readonly inputSchemaLabel: string;
  /** Whether the author gave the input schema (else `outputSchema(undefined)` is tried too). */
  readonly inputSchemaGiven: boolean;
  readonly severalShapes: boolean;
  readonly sideOutputs: readonly SideOutput[];
  readonly inPlace: boolean;
  readonly groupOf?: (row: Row) => unknown;
  /**
   * A fresh deep copy of the input for one run, so a processor that writes to its input cannot
   * change what later runs see (and fail checks other than the mutation check).
   */
  input(): Row[][];
  /** The input as given, copied once up front and never fed to a processor. */
  readonly pristine: Batches;
}

export function checkOutputSchema(ctx: CheckContext): string | undefined {
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
  if (!ctx.severalShapes && (!schema || !Array.isArray(schema.fields))) {
    return `${label} returned ${describeValue(schema)}: declare the columns the processor emits (or pass severalShapes: true for a processor that emits rows of several shapes)`;
  }
  const main = ctx.severalShapes ? undefined : { name: 'outputSchema', schema: schema as Schema };
  const emitted = feed(p, ctx.input());
  const listed: string[] = [];
  let bad = 0;
  let total = 0;
  const inspect = (rows: unknown[], where: string): void => {
    for (let j = 0; j < rows.length; j++) {
      total++;
      const problems = rowProblems(rows[j], ctx.sideOutputs, main);
      if (problems.length === 0) continue;
      bad++;
      if (listed.length < MAX_LISTED_PROBLEMS) listed.push(`${where} row ${j}: ${problems.join('; ')}`);
    }
  };
  for (let i = 0; i < emitted.batches.length; i++) inspect(emitted.batches[i]!, `batch ${i}`);
  inspect(emitted.flushed, 'flush()');
  if (bad === 0) return undefined;
  return `${bad} of ${total} emitted rows do not fit their schema: ${listed.join(' | ')}`;
}

/** Why a row does not fit the schema of its side output, or of the main output (any row object when none). */
function rowProblems(
  row: unknown,
  sides: readonly SideOutput[],
  main: { name: string; schema: Schema } | undefined,
): string[] {
  if (!isRowObject(row)) return [`not a row object: ${describeValue(row)}`];
  const side = sides.find((s) => s.test(row));
  if (side && !side.schema) return [];
  const target = side?.schema ? { name: `the ${side.name} schema`, schema: side.schema } : main;
  if (!target) return [];
  const problems = checkRow(target.schema, row);
  const declared = new Set(target.schema.fields.map((f) => f.name));
  for (const key of Object.keys(row)) {
    if (!declared.has(key) && row[key] !== undefined)
      problems.push(`column "${key}" is not in ${target.name}`);
  }
  return problems;
}

/** The rows of one run, without the rows of side outputs that record restores. */
export function withoutRestoreRecords(rows: unknown[], sides: readonly SideOutput[]): unknown[] {
  const recorders = sides.filter((s) => s.recordsRestores);
  if (recorders.length === 0) return rows;
  return rows.filter((row) => !(isRowObject(row) && recorders.some((s) => s.test(row))));
}
