/**
 * What a read will touch: the partition columns of a dataset with their types, and the files that
 * survive partition pruning. Built from paths alone, so pruned files are never opened.
 */
import type { Logger } from '@etl/core';
import type { DatasetFile } from './dataset-files.js';
import {
  checkComparable,
  matchesPartitionFilter,
  type PartitionPredicate,
  type PartitionValue,
} from './partition-filter.js';
import { inferPartitionType, type PartitionType, parsePartitionValue } from './partition-values.js';

export interface PartitionColumn {
  readonly name: string;
  readonly type: PartitionType;
  /** Some file has Hive's default (null) partition or lacks the column in its path. */
  readonly nullable: boolean;
}

export interface PlannedFile {
  readonly path: string;
  /** Typed values of the partition columns present in this file's path. */
  readonly partition: Readonly<Record<string, PartitionValue>>;
}

export interface DatasetPlan {
  /** Selected files, in path order. */
  readonly files: readonly PlannedFile[];
  /** Files left out by the partition filter. */
  readonly pruned: number;
  /** Every partition column of the input, outermost first. */
  readonly partitionColumns: readonly PartitionColumn[];
}

export interface PlanOptions {
  readonly partitionTypes: Readonly<Record<string, PartitionType>>;
  readonly filter?: Readonly<Record<string, PartitionPredicate>>;
  readonly logger: Logger;
}

/**
 * Types every partition column (explicitly or by inference over all files, so a column's type does
 * not depend on the filter), then keeps the files whose partition values pass the filter.
 */
export function planDataset(found: readonly DatasetFile[], options: PlanOptions): DatasetPlan {
  const rawValues = new Map<string, Set<string | null>>();
  const present = new Map<string, number>();
  for (const file of found) {
    for (const key in file.partition) {
      let values = rawValues.get(key);
      if (!values) rawValues.set(key, (values = new Set()));
      values.add(file.partition[key] ?? null);
      present.set(key, (present.get(key) ?? 0) + 1);
    }
  }
  const partitionColumns: PartitionColumn[] = [];
  const types = new Map<string, PartitionType>();
  for (const [name, values] of rawValues) {
    const type = options.partitionTypes[name] ?? inferPartitionType(values);
    types.set(name, type);
    partitionColumns.push({ name, type, nullable: values.has(null) || present.get(name) !== found.length });
  }

  const filter = options.filter;
  if (filter) {
    for (const key in filter) {
      const type = types.get(key);
      if (type === undefined) {
        options.logger.warn(
          'parquet filter names a column that is not a partition column: it selects nothing',
          {
            column: key,
          },
        );
        continue;
      }
      checkComparable(
        key,
        type === 'string' || type === 'date' ? 'string' : 'number',
        filter[key] as PartitionPredicate,
      );
    }
  }

  const files: PlannedFile[] = [];
  let pruned = 0;
  for (const file of found) {
    const partition: Record<string, PartitionValue> = {};
    for (const key in file.partition) {
      partition[key] = parsePartitionValue(
        file.partition[key] ?? null,
        types.get(key) ?? 'string',
        key,
        file.path,
      );
    }
    if (filter && !matchesPartitionFilter(partition, filter)) pruned++;
    else files.push({ path: file.path, partition });
  }
  return { files, pruned, partitionColumns };
}
