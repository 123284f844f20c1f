/**
 * Channel configuration: which datasets a segment produces, how each is partitioned and which
 * processor options apply. Accepts the seed's snake_case keys and the TypeScript camelCase ones.
 */

import { ConfigError } from '@etl/core';
import { isRecord } from '@etl/core/internal';

export type BuiltinDataset = 'level2' | 'market_trades' | 'ticker' | 'candles';

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = ['level2', 'market_trades', 'ticker', 'candles'];

/** A plugin processor applied to one dataset's rows after the built-in processors. */
export interface ProcessorRef {
  /** Processor name in the registry (`name` or `<plugin>/name`). */
  readonly use: string;
  readonly options?: Readonly<Record<string, unknown>>;
  /** Write this processor's output to another dataset instead of replacing the channel's rows. */
  readonly output?: string;
  readonly partitionCols?: readonly string[];
}

export interface ChannelConfig {
  readonly enabled?: boolean;
  readonly partitionCols?: readonly string[];
  /** Options of the channel's built-in processor (camelCase; snake_case is converted). */
  readonly processorOptions?: Readonly<Record<string, unknown>>;
  readonly processors?: readonly ProcessorRef[];
}

export type ChannelConfigMap = Readonly<Partial<Record<BuiltinDataset, ChannelConfig>>>;

export interface ResolvedChannel {
  readonly dataset: BuiltinDataset;
  readonly enabled: boolean;
  readonly partitionCols: readonly string[];
  readonly processorOptions: Readonly<Record<string, unknown>>;
  readonly processors: readonly ProcessorRef[];
}

export type ResolvedChannels = Readonly<Record<BuiltinDataset, ResolvedChannel>>;

/** The seed's defaults: level2 and trades by product and date, ticker by date and hour. */
export const DEFAULT_CHANNEL_CONFIG: ResolvedChannels = {
  level2: {
    dataset: 'level2',
    enabled: true,
    partitionCols: ['product_id', 'date'],
    processorOptions: { addDerivedFields: true, reconstructLob: true, computeFeatures: true },
    processors: [],
  },
  market_trades: {
    dataset: 'market_trades',
    enabled: true,
    partitionCols: ['product_id', 'date'],
    processorOptions: { addDerivedFields: true, inferAggressor: true },
    processors: [],
  },
  ticker: {
    dataset: 'ticker',
    enabled: true,
    partitionCols: ['date', 'hour'],
    processorOptions: { addDerivedFields: true },
    processors: [],
  },
  candles: {
    dataset: 'candles',
    enabled: true,
    partitionCols: ['product_id', 'date'],
    processorOptions: {},
    processors: [],
  },
};

/** Partitioning of the datasets processors emit on the side. */
export const SIDE_DATASET_PARTITIONS: Readonly<Record<string, readonly string[]>> = {
  quality: ['date'],
  book_snapshot: ['product_id', 'date'],
};

const snakeToCamel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Converts snake_case keys to camelCase (one level; values are kept as they are). */
export function camelizeKeys(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[snakeToCamel(k)] = v;
  return out;
}

function stringList(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new ConfigError(key, 'must be a list of column names');
  }
  return value as string[];
}

function processorRefs(value: unknown, key: string): ProcessorRef[] {
  if (!Array.isArray(value)) throw new ConfigError(key, 'must be a list of {use, options}');
  return value.map((entry, i) => {
    const k = `${key}[${i}]`;
    if (typeof entry === 'string') return { use: entry };
    if (!isRecord(entry) || typeof entry.use !== 'string')
      throw new ConfigError(k, 'needs "use": "<processor name>"');
    if (entry.options !== undefined && !isRecord(entry.options))
      throw new ConfigError(`${k}.options`, 'must be an object');
    const partition = entry.partition_cols ?? entry.partitionCols;
    return {
      use: entry.use,
      ...(entry.options ? { options: camelizeKeys(entry.options as Record<string, unknown>) } : {}),
      ...(typeof entry.output === 'string' ? { output: entry.output } : {}),
      ...(partition !== undefined ? { partitionCols: stringList(partition, `${k}.partition_cols`) } : {}),
    };
  });
}

/**
 * Merges a user channel config (seed or camelCase keys) over the defaults, validating every key.
 * `keyPrefix` is where the config sits in the user's file, for error messages.
 */
export function resolveChannelConfig(config: unknown = {}, keyPrefix = 'etl.channels'): ResolvedChannels {
  if (!isRecord(config)) throw new ConfigError(keyPrefix, 'must be an object');
  const out = { ...DEFAULT_CHANNEL_CONFIG } as Record<BuiltinDataset, ResolvedChannel>;
  for (const [name, raw] of Object.entries(config)) {
    const key = `${keyPrefix}.${name}`;
    if (!(BUILTIN_DATASETS as readonly string[]).includes(name)) {
      throw new ConfigError(key, `unknown channel (known: ${BUILTIN_DATASETS.join(', ')})`);
    }
    if (!isRecord(raw)) throw new ConfigError(key, 'must be an object');
    const base = out[name as BuiltinDataset];
    let enabled = base.enabled;
    let partitionCols = base.partitionCols;
    let processorOptions = base.processorOptions;
    let processors = base.processors;
    for (const [k, v] of Object.entries(raw)) {
      switch (k) {
        case 'enabled':
          if (typeof v !== 'boolean') throw new ConfigError(`${key}.enabled`, 'must be true or false');
          enabled = v;
          break;
        case 'partition_cols':
        case 'partitionCols':
          partitionCols = stringList(v, `${key}.${k}`);
          break;
        case 'processor_options':
        case 'processorOptions':
          if (!isRecord(v)) throw new ConfigError(`${key}.${k}`, 'must be an object');
          processorOptions = { ...processorOptions, ...camelizeKeys(v) };
          break;
        case 'processors':
          processors = processorRefs(v, `${key}.processors`);
          break;
        default:
          throw new ConfigError(
            `${key}.${k}`,
            'unknown key (known: enabled, partition_cols, processor_options, processors)',
          );
      }
    }
    out[name as BuiltinDataset] = {
      dataset: base.dataset,
      enabled,
      partitionCols,
      processorOptions,
      processors,
    };
  }
  return out;
}
