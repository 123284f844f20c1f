import type { QuarantineSink, Row } from '@etl/core';

/** True when `s` holds a UTF-16 surrogate without its partner (not representable in UTF-8). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return true;
  }
  return false;
}

type SameValues = (row: Row, values: readonly unknown[]) => boolean;

/**
 * `(row, values) => row["a"] === values[0] && …`, with literal property names: a read through a
 * variable key (`row[column]`) is a slow generic lookup, and this runs for every row.
 */
function compileSameValues(columns: readonly string[]): SameValues {
  if (columns.length === 0) return () => true;
  // JSON string literals: no column name can inject code.
  const test = columns.map((c, i) => `row[${JSON.stringify(c)}] === values[${i}]`).join(' && ');
  return new Function('row', 'values', `return ${test};`) as SameValues;
}

const jsonValue = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;

/**
 * Sets aside rows whose partition values cannot name a directory faithfully: strings with lone
 * UTF-16 surrogates (JSON can carry them, UTF-8 cannot). The filesystem stores them as U+FFFD, so
 * two different values would share one directory and one part-file name, and the later file would
 * silently replace the earlier one. Every other string is safe: core's Hive escaping handles `/`,
 * `..`, `%`, `=` and control characters, and the writer shortens over-long values with a hash.
 *
 * Rows of one product mostly follow each other, so a value equal to the last good one is not
 * checked again: the common row costs one comparison per partition column.
 */
export class PartitionValueGuard {
  private readonly lastGood: unknown[];
  private readonly sameAsLastGood: SameValues;
  private seen = 0;

  constructor(
    private readonly columns: readonly string[],
    /** Dataset directory, named in quarantine entries (rows have no input line). */
    private readonly datasetPath: string,
    private readonly quarantine: QuarantineSink,
  ) {
    this.lastGood = columns.map(() => undefined);
    this.sameAsLastGood = compileSameValues(columns);
  }

  /** `rows` without the rejected ones (the same array when none is rejected). */
  filter(rows: readonly Row[]): readonly Row[] {
    const columns = this.columns;
    const lastGood = this.lastGood;
    const sameAsLastGood = this.sameAsLastGood;
    let kept: Row[] | undefined;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (sameAsLastGood(row, lastGood)) {
        kept?.push(row);
        continue;
      }
      let bad: string | undefined;
      for (let c = 0; c < columns.length; c++) {
        const value = row[columns[c]!];
        if (value === this.lastGood[c] || typeof value !== 'string') continue;
        if (hasLoneSurrogate(value)) {
          bad = columns[c];
          break;
        }
        this.lastGood[c] = value;
      }
      if (bad === undefined) {
        kept?.push(row);
        continue;
      }
      kept ??= rows.slice(0, i);
      this.quarantine.put({
        file: this.datasetPath,
        line: this.seen + i + 1,
        reason: `partition column ${bad} is not valid Unicode (lone surrogate): it cannot name a directory`,
        raw: JSON.stringify(row, jsonValue),
        stage: 'partition-guard',
      });
    }
    this.seen += rows.length;
    return kept ?? rows;
  }
}
