/**
 * Which source a converting command reads (`--source` over `etl.source`, default `coinbase`): a
 * built-in one by name, or a source another package publishes, named like a plugin (an npm
 * package name, or a path to a module or package directory). Its module exports a source made
 * with `defineSource` (as default or `source`); its datasets, options and `--channels` names then
 * come from that declaration.
 */
import { realpath } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { ConfigError, isSource, SOURCE_API_VERSION, type Source } from '@etl/core';
import { BUILTIN_SOURCES, resolvePlugin } from '@etl/orchestrator';
import { UsageError } from './usage-error.js';

const BUILTIN_NAMES = BUILTIN_SOURCES.map((s) => s.name);

/** True for `--source`/`etl.source` values that name a package or a path rather than a built-in. */
export function namesSourceModule(spec: string): boolean {
  return !BUILTIN_NAMES.includes(spec);
}

async function importSource(spec: string, baseDir: string, key: string): Promise<Source> {
  const file = await resolvePlugin(spec, baseDir, key);
  let mod: Record<string, unknown>;
  try {
    // By its real path, as Node identifies modules (a package linked into node_modules).
    mod = (await import(pathToFileURL(await realpath(file)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(key, `cannot load source ${spec} (${file}): ${(error as Error).message}`);
  }
  const source = [mod.default, mod.source].find(isSource);
  if (!source)
    throw new ConfigError(
      key,
      `${spec} does not export a source made with defineSource (as default or "source")`,
    );
  if (source.apiVersion !== SOURCE_API_VERSION)
    throw new ConfigError(
      key,
      `${spec} is a source for API version ${source.apiVersion}; this etl reads version ${SOURCE_API_VERSION}`,
    );
  return source;
}

/**
 * The source to convert with: a built-in's name, or the loaded source of a package or path
 * (`--source` is resolved from the current directory, `etl.source` from the config file's).
 */
export async function chooseSource(
  flag: string | undefined,
  configured: string | undefined,
  configDir: string,
): Promise<string | Source> {
  const spec = flag ?? configured ?? 'coinbase';
  if (!namesSourceModule(spec)) return spec;
  const key = flag !== undefined ? '--source' : 'etl.source';
  const bare = !spec.startsWith('.') && !spec.startsWith('/');
  try {
    return await importSource(spec, flag !== undefined ? process.cwd() : configDir, key);
  } catch (error) {
    // A bare word that is no installed package: most likely a misspelt built-in name.
    if (bare && error instanceof ConfigError && /cannot find/.test(error.message)) {
      if (flag !== undefined)
        throw new UsageError(`--source must be ${BUILTIN_NAMES.join(' or ')}, got ${spec}`);
      throw new ConfigError(
        'etl.source',
        `must be ${BUILTIN_NAMES.join(' or ')} (or a source package installed next to the config, or a path), got ${JSON.stringify(spec)}`,
      );
    }
    throw error;
  }
}
