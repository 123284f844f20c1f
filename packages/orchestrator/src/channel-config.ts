/**
 * Channel configuration: which datasets a segment produces, how each is partitioned and which
 * processor options apply. Accepts the seed's snake_case keys and the TypeScript camelCase ones.
 * The datasets, their default partitioning and their processors' options (names, checks,
 * defaults) are the source's declaration (`defineSource`); nothing here knows a feed.
 */

import { ConfigError, optionDefaults, parseOptions, type Source } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { resolveSource, type SourceChoice } from './sources.js';

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

/** Dataset name → its config; the names are the source's datasets. */
export type ChannelConfigMap = Readonly<Record<string, ChannelConfig>>;

export interface ResolvedChannel {
  readonly dataset: string;
  readonly enabled: boolean;
  readonly partitionCols: readonly string[];
  /** The source's declared defaults overlaid with the config's options, checked. */
  readonly processorOptions: Readonly<Record<string, unknown>>;
  readonly processors: readonly ProcessorRef[];
}

/** Every dataset the source declares, in its order. */
export type ResolvedChannels = Readonly<Record<string, ResolvedChannel>>;

/** The source's datasets with their declared defaults: enabled, partitioned as declared. */
export function defaultChannels(source: Source): ResolvedChannels {
  const out: Record<string, ResolvedChannel> = {};
  for (const d of source.datasets) {
    out[d.name] = {
      dataset: d.name,
      enabled: true,
      partitionCols: d.partitionCols,
      processorOptions: optionDefaults(d.options ?? {}),
      processors: [],
    };
  }
  return out;
}

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
 * Merges a user channel config (seed or camelCase keys) over the source's defaults, validating
 * every key and every processor option against the source's declaration. `keyPrefix` is where the
 * config sits in the user's file, for error messages.
 */
export function resolveChannelConfig(
  config: unknown = {},
  keyPrefix = 'etl.channels',
  sourceChoice?: SourceChoice,
): ResolvedChannels {
  const source = resolveSource(sourceChoice);
  if (!isRecord(config)) throw new ConfigError(keyPrefix, 'must be an object');
  const out = { ...defaultChannels(source) } as Record<string, ResolvedChannel>;
  for (const [name, raw] of Object.entries(config)) {
    const key = `${keyPrefix}.${name}`;
    const declared = source.dataset(name);
    const base = declared ? out[name] : undefined;
    if (!declared || !base) {
      throw new ConfigError(key, `unknown channel (known: ${source.datasets.map((d) => d.name).join(', ')})`);
    }
    if (!isRecord(raw)) throw new ConfigError(key, 'must be an object');
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
          processorOptions = {
            ...processorOptions,
            ...parseOptions(declared.options ?? {}, v, `${key}.${k}`),
          };
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
    out[name] = { dataset: base.dataset, enabled, partitionCols, processorOptions, processors };
  }
  source.checkSettings?.(out, keyPrefix);
  return out;
}
