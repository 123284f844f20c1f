/**
 * The sources a pipeline can be given by name (`--source`, `etl.source`): the built-in Coinbase
 * feeds. Any other source is passed as the value {@link defineSource} made (the CLI loads it from a
 * package or path).
 */
import { ConfigError, type Source } from '@etl/core';
import { coinbaseExchangeSource, coinbaseSource } from '@etl/processors-coinbase';

/** A built-in source's name, or a source made with `defineSource`. */
export type SourceChoice = string | Source;

export const BUILTIN_SOURCES: readonly Source[] = [coinbaseSource, coinbaseExchangeSource];

/** The source `choice` names (default: Coinbase Advanced Trade). */
export function resolveSource(choice: SourceChoice | undefined, key = 'source'): Source {
  if (choice === undefined) return coinbaseSource;
  if (typeof choice !== 'string') return choice;
  const found = BUILTIN_SOURCES.find((s) => s.name === choice);
  if (!found)
    throw new ConfigError(
      key,
      `unknown source ${JSON.stringify(choice)} (built in: ${BUILTIN_SOURCES.map((s) => s.name).join(', ')})`,
    );
  return found;
}
