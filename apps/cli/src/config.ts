/**
 * The config file: JSON or YAML with the seed's keys, so a seed user's config carries over.
 * Every key is validated and errors name the key (`etl.channels.level2.partition_cols`).
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { parse as parseYaml } from 'yaml';
import { checkChannels } from './channel-options.js';
import { namesSourceModule } from './source-choice.js';
import { UsageError } from './usage-error.js';

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'none';

/**
 * `coinbase`: Advanced Trade captures; `coinbase-exchange`: the legacy Exchange (Pro) feed; any
 * other value names a source package or path (see source-choice.ts).
 */
export type Source = string;

const SOURCES: readonly Source[] = ['coinbase', 'coinbase-exchange'];

export interface EtlConfig {
  inputDir?: string;
  outputDir?: string;
  compression?: Compression;
  source?: Source;
  deleteAfterProcessing?: boolean;
  processingDir?: string;
  doneDir?: string;
  failedDir?: string;
  maxErrors?: number;
  channels?: Record<string, unknown>;
  plugins: string[];
  /** Directory of the config file: relative paths in it are resolved from here. */
  baseDir: string;
}

const COMPRESSIONS: readonly Compression[] = ['zstd', 'snappy', 'gzip', 'none'];

/**
 * Validates a parsed config object; `baseDir` resolves relative paths. `sourceFlag` is the
 * command's `--source`, which decides whose datasets `etl.channels` configures.
 */
export function validateConfig(raw: unknown, baseDir: string, sourceFlag?: string): EtlConfig {
  if (!isRecord(raw)) throw new ConfigError('(root)', 'must be an object');
  const config: EtlConfig = { plugins: [], baseDir };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'plugins') {
      if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || !p)) {
        throw new ConfigError('plugins', 'must be a list of package names or paths');
      }
      config.plugins = value as string[];
    } else if (key !== 'etl' && key !== '$schema') {
      throw new ConfigError(key, 'unknown top-level key (known: etl, plugins)');
    }
  }
  const etl = raw.etl ?? {};
  if (!isRecord(etl)) throw new ConfigError('etl', 'must be an object');
  const dir = (k: string, v: unknown) => {
    if (typeof v !== 'string' || !v) throw new ConfigError(`etl.${k}`, 'must be a non-empty path');
    return path.resolve(baseDir, v);
  };
  for (const [k, v] of Object.entries(etl)) {
    switch (k) {
      case 'input_dir':
        config.inputDir = dir(k, v);
        break;
      case 'output_dir':
        config.outputDir = dir(k, v);
        break;
      case 'processing_dir':
        config.processingDir = dir(k, v);
        break;
      case 'done_dir':
        config.doneDir = dir(k, v);
        break;
      case 'failed_dir':
        config.failedDir = dir(k, v);
        break;
      case 'compression':
        if (!COMPRESSIONS.includes(v as Compression)) {
          throw new ConfigError(
            'etl.compression',
            `must be one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(v)}`,
          );
        }
        config.compression = v as Compression;
        break;
      case 'delete_after_processing':
        if (typeof v !== 'boolean')
          throw new ConfigError('etl.delete_after_processing', 'must be true or false');
        config.deleteAfterProcessing = v;
        break;
      case 'max_errors':
        if (typeof v !== 'number' || !(v >= 0))
          throw new ConfigError('etl.max_errors', 'must be a number ≥ 0');
        config.maxErrors = v;
        break;
      case 'source':
        // A built-in name, or a source package or path: loaded (and checked) by the command.
        if (typeof v !== 'string' || !v)
          throw new ConfigError(
            'etl.source',
            `must be one of ${SOURCES.join(', ')}, got ${JSON.stringify(v)}`,
          );
        config.source = v;
        break;
      case 'channels':
        config.channels = v as Record<string, unknown>;
        break;
      default:
        throw new ConfigError(
          `etl.${k}`,
          'unknown key (known: input_dir, output_dir, compression, delete_after_processing, processing_dir, done_dir, failed_dir, max_errors, source, channels)',
        );
    }
  }
  // Validated down to each processor option against the source's declaration, here for the
  // built-in sources; another source's are checked once it is loaded (the job resolves them again).
  const source = sourceFlag ?? config.source;
  if (config.channels !== undefined && !(source && namesSourceModule(source)))
    config.channels = checkChannels(config.channels, 'etl.channels', source);
  return config;
}

/** Reads and validates a JSON or YAML config file (`sourceFlag`: see {@link validateConfig}). */
export async function loadConfig(file: string, sourceFlag?: string): Promise<EtlConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError('--config', `cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      '--config',
      `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  return validateConfig(raw ?? {}, path.dirname(path.resolve(file)), sourceFlag);
}

/**
 * `--source` over `etl.source` over the default, checked, for the commands that take a built-in
 * source only (the queue and the stream; `run` and `watch` also load source packages, see
 * source-choice.ts).
 */
export function sourceOf(flag: string | undefined, configured: Source | undefined): Source {
  if (flag === undefined) {
    if (configured !== undefined && !SOURCES.includes(configured))
      throw new ConfigError(
        'etl.source',
        `must be one of ${SOURCES.join(', ')} here (a source package or path is read by etl run and etl watch only), got ${JSON.stringify(configured)}`,
      );
    return configured ?? 'coinbase';
  }
  if (!SOURCES.includes(flag as Source))
    throw new UsageError(`--source must be ${SOURCES.join(' or ')}, got ${flag}`);
  return flag as Source;
}

/**
 * `--max-errors` over `etl.max_errors`, with how the user wrote it: the reader's message says
 * `maxErrors=N`, and the CLI shows the key the user knows instead (see {@link maxErrorsWording}).
 */
export function maxErrorsOf(
  flag: string | undefined,
  configured: number | undefined,
): { value: number; key: string } | undefined {
  if (flag !== undefined) {
    const n = Number(flag);
    if (flag.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new UsageError(`--max-errors must be a whole number ≥ 0, got ${flag}`);
    return { value: n, key: '--max-errors' };
  }
  return configured === undefined ? undefined : { value: configured, key: 'etl.max_errors' };
}

/** Rewrites the library's `maxErrors=N` into the flag or config key the user wrote. */
export function maxErrorsWording(key: string | undefined): (text: string) => string {
  const as = key === '--max-errors' ? '--max-errors $1' : 'etl.max_errors=$1';
  return (text) => text.replace(/\bmaxErrors=(\d+)/g, key ? as : '$&');
}
