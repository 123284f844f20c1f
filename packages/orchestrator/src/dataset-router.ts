/**
 * Routes the mixed row stream of a source's chain to datasets by each row's `channel`, as the
 * source declares them. Control rows (the source's control channels, and any undeclared channel
 * starting with `_`) exist only for the processors and are never written; another channel the
 * source does not declare is its own dataset (a side dataset or a plugin's output).
 */
import type { Row, Source } from '@etl/core';

/** The dataset a row belongs to, or undefined for rows that are not written. */
export function datasetOfRow(source: Source, row: Row): string | undefined {
  const channel = row.channel;
  if (typeof channel !== 'string') return undefined;
  const dataset = source.datasetOfChannel(channel);
  if (dataset !== undefined) return dataset ?? undefined;
  return channel.charCodeAt(0) === 95 /* '_' */ ? undefined : channel;
}

/** Splits a batch into per-dataset batches, keeping order within each. */
export function routeRows(source: Source, rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  let lastChannel: unknown;
  let lastList: Row[] | undefined;
  for (const row of rows) {
    // Consecutive rows mostly share a channel: skip the lookups then.
    if (row.channel !== lastChannel || lastList === undefined) {
      lastChannel = row.channel;
      const dataset = datasetOfRow(source, row);
      if (dataset === undefined) {
        lastList = undefined;
        lastChannel = undefined;
        continue;
      }
      let list = out.get(dataset);
      if (!list) out.set(dataset, (list = []));
      lastList = list;
    }
    lastList.push(row);
  }
  return out;
}
