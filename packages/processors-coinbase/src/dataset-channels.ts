/**
 * Which dataset each Coinbase Advanced Trade channel feeds. Lookups are `switch`es, not object
 * properties, so a hostile channel name such as `constructor` can never hit an inherited key.
 */
import type { Schema } from '@etl/core';
import { candlesSchema, level2Schema, marketTradesSchema, tickerSchema } from './schemas.js';

/** The raw datasets of the Coinbase source. */
export type CoinbaseDataset = 'level2' | 'market_trades' | 'ticker' | 'candles';

/** The dataset of a message (or row) `channel` as Coinbase sends it; undefined for control channels. */
export function datasetForChannel(channel: string): CoinbaseDataset | undefined {
  switch (channel) {
    case 'l2_data':
      return 'level2';
    case 'market_trades':
      return 'market_trades';
    case 'ticker':
    case 'ticker_batch':
      return 'ticker';
    case 'candles':
      return 'candles';
    default:
      return undefined;
  }
}

/**
 * The dataset a user means by `name`: a dataset name (`level2`, `market_trades`, `ticker`,
 * `candles`) or a channel name as subscribed or sent (`l2_data`, `ticker_batch`).
 */
export function datasetForName(name: string): CoinbaseDataset | undefined {
  return name === 'level2' ? 'level2' : datasetForChannel(name);
}

/** The raw schema (before any processor) of a dataset. */
export function schemaForDataset(dataset: CoinbaseDataset): Schema {
  switch (dataset) {
    case 'level2':
      return level2Schema;
    case 'market_trades':
      return marketTradesSchema;
    case 'ticker':
      return tickerSchema;
    case 'candles':
      return candlesSchema;
  }
}
