/**
 * Routes the mixed row stream of a Coinbase chain to datasets by each row's `channel`.
 * Control rows (`_sequence`) exist only for sequence tracking and are never written.
 */
import type { Row } from '@etl/core';
import type { BuiltinDataset } from './channel-config.js';

const CHANNEL_DATASET: Readonly<Record<string, BuiltinDataset>> = {
  l2_data: 'level2',
  level2: 'level2',
  market_trades: 'market_trades',
  ticker: 'ticker',
  ticker_batch: 'ticker',
  candles: 'candles',
};

/** The dataset a row belongs to, or undefined for rows that are not written. */
export function datasetOfRow(row: Row): string | undefined {
  const channel = row.channel;
  if (typeof channel !== 'string' || channel.charCodeAt(0) === 95 /* '_' */) return undefined;
  return CHANNEL_DATASET[channel] ?? channel;
}

/** Splits a batch into per-dataset batches, keeping order within each. */
export function routeRows(rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  let lastChannel: unknown;
  let lastList: Row[] | undefined;
  for (const row of rows) {
    // Consecutive rows mostly share a channel: skip the lookups then.
    if (row.channel !== lastChannel || lastList === undefined) {
      lastChannel = row.channel;
      const dataset = datasetOfRow(row);
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
