/**
 * Checks `etl.channels` of a config file (channels, partition_cols, processor_options) before any
 * segment is touched, against the source's declaration of its datasets and their processors'
 * options: a typo (`reconstruct_lobb`) or a bad value is a ConfigError naming the key as the user
 * spelt it, and the run does not start (exit 2).
 */

import { parseOptions, type Source } from '@etl/core';
import { resolveChannelConfig, resolveSource } from '@etl/orchestrator';

/**
 * Validates a config file's `etl.channels` for `source` (default Coinbase Advanced Trade) and
 * returns it with processor options in the processors' own (camelCase) spelling.
 */
export function checkChannels(
  channels: unknown,
  keyPrefix = 'etl.channels',
  source?: string | Source,
): Record<string, unknown> {
  // Channel names, enabled, partition_cols, processors, every option and the cross-option rules.
  resolveChannelConfig(channels, keyPrefix, source);
  const declared = resolveSource(source, 'etl.source');
  const out: Record<string, unknown> = {};
  for (const [channel, raw] of Object.entries(channels as Record<string, Record<string, unknown>>)) {
    const copy: Record<string, unknown> = { ...raw };
    const specs = declared.dataset(channel)?.options ?? {};
    for (const k of ['processor_options', 'processorOptions']) {
      if (k in copy) copy[k] = parseOptions(specs, copy[k], `${keyPrefix}.${channel}.${k}`);
    }
    out[channel] = copy;
  }
  return out;
}
