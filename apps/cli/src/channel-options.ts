/**
 * Checks `etl.channels.<channel>.processor_options` of a config file before any segment is
 * touched. The processors validate their options only when a segment starts, where a typo would
 * be ignored (`reconstruct_lobb`) or a bad value would fail every segment into failed/; here it is
 * a ConfigError naming the key as the user spelt it, and the run does not start (exit 2).
 */

import { ConfigError } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { resolveChannelConfig } from '@etl/orchestrator';

/** Why a value is wrong, or undefined when it is fine. */
type Check = (value: unknown) => string | undefined;

const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const positiveInt: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? undefined : 'must be a whole number > 0';
const listOf =
  (item: Check, what: string): Check =>
  (v) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => item(x) === undefined)
      ? undefined
      : `must be a non-empty list of ${what}`;
const positiveNumber: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be > 0';
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    values.includes(v as string)
      ? undefined
      : `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`;

const snakeToCamel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The options a config file may set, per built-in channel (camelCase; snake_case accepted). */
const CHANNEL_OPTIONS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  level2: {
    addDerivedFields: bool,
    reconstructLob: bool,
    computeFeatures: bool,
    depthLevels: listOf(positiveInt, 'whole numbers > 0'),
    depthBps: listOf(positiveNumber, 'numbers > 0'),
    crossedPolicy: oneOf(['keep', 'remove-stale', 'invalidate', 'fail']),
    sequenceCheck: oneOf(['auto', 'strict', 'off']),
    bookSnapshots: () => undefined, // checked field by field below
  },
  market_trades: { addDerivedFields: bool, inferAggressor: bool, dedup: bool, dedupWindow: positiveInt },
  ticker: { addDerivedFields: bool },
  candles: {},
};

/** `{depth, interval_ms}` → `{depth, intervalMs}`, checked: the processor takes camelCase only. */
function bookSnapshots(value: unknown, key: string): Record<string, number> {
  if (!isRecord(value)) throw new ConfigError(key, 'must be {depth, interval_ms}');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    const name = snakeToCamel(k);
    if (name !== 'depth' && name !== 'intervalMs')
      throw new ConfigError(`${key}.${k}`, 'unknown key (known: depth, interval_ms)');
    const problem = positiveInt(v);
    if (problem) throw new ConfigError(`${key}.${k}`, problem);
    out[name] = v as number;
  }
  for (const [name, spelt] of [
    ['depth', 'depth'],
    ['intervalMs', 'interval_ms'],
  ] as const) {
    if (out[name] === undefined) throw new ConfigError(`${key}.${spelt}`, 'is required');
  }
  return out;
}

function checkOptions(channel: string, options: unknown, key: string): Record<string, unknown> {
  if (!isRecord(options)) throw new ConfigError(key, 'must be an object');
  const known = CHANNEL_OPTIONS[channel] ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    const name = snakeToCamel(k);
    const check = known[name];
    if (!check) {
      const names = Object.keys(known).map((n) => n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      throw new ConfigError(`${key}.${k}`, `unknown option (known: ${names.join(', ') || 'none'})`);
    }
    const problem = check(v);
    if (problem) throw new ConfigError(`${key}.${k}`, problem);
    out[name] = name === 'bookSnapshots' ? bookSnapshots(v, `${key}.${k}`) : v;
  }
  return out;
}

/**
 * Validates a config file's `etl.channels` (channels, partition_cols, processor_options) and
 * returns it with processor options in the processors' own (camelCase) spelling.
 */
export function checkChannels(channels: unknown, keyPrefix = 'etl.channels'): Record<string, unknown> {
  resolveChannelConfig(channels, keyPrefix); // channel names, enabled, partition_cols, processors
  const out: Record<string, unknown> = {};
  for (const [channel, raw] of Object.entries(channels as Record<string, Record<string, unknown>>)) {
    const copy: Record<string, unknown> = { ...raw };
    for (const k of ['processor_options', 'processorOptions']) {
      if (k in copy) copy[k] = checkOptions(channel, copy[k], `${keyPrefix}.${channel}.${k}`);
    }
    out[channel] = copy;
  }
  // Without the book there is nothing to compute features from, snapshot, or infer an aggressor with.
  const resolved = resolveChannelConfig(out, keyPrefix);
  const level2 = resolved.level2.processorOptions;
  if (level2.reconstructLob === false) {
    const needs = [
      level2.computeFeatures === true ? 'level2 compute_features (default true)' : '',
      level2.bookSnapshots ? 'level2 book_snapshots' : '',
      resolved.market_trades.enabled && resolved.market_trades.processorOptions.inferAggressor === true
        ? 'market_trades infer_aggressor (default true)'
        : '',
    ].filter(Boolean);
    if (needs.length) {
      throw new ConfigError(
        `${keyPrefix}.level2.processor_options.reconstruct_lob`,
        `is false, but ${needs.join(' and ')} need the book: turn them off too`,
      );
    }
  }
  return out;
}
