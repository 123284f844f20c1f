/**
 * The collector's settings from a JSON or YAML file (`collector:` key, snake_case like the ETL's
 * config) and command-line flags (flags win). Every key is checked; errors name it.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { parse as parseYaml } from 'yaml';

export interface CollectorConfig {
  url?: string;
  products: string[];
  channels?: string[];
  outputDir?: string;
  maxSegmentBytes?: number;
  maxSegmentAgeS?: number;
  natsUrl?: string;
  stream?: string;
  subjectPrefix?: string;
  streamMaxAgeS?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  idleTimeoutMs?: number;
}

export interface CollectorFlags {
  config?: string;
  url?: string;
  products?: string;
  channels?: string;
  output?: string;
  'max-segment-bytes'?: string;
  'max-segment-age'?: string;
  nats?: string;
  stream?: string;
  'subject-prefix'?: string;
}

function list(key: string, v: unknown): string[] {
  const items = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(items) || items.some((x) => typeof x !== 'string'))
    throw new ConfigError(key, 'must be a list of names');
  return (items as string[]).map((s) => s.trim()).filter(Boolean);
}

function positive(key: string, v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0)
    throw new ConfigError(key, `must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

function text(key: string, v: unknown): string {
  if (typeof v !== 'string' || !v) throw new ConfigError(key, 'must be a non-empty string');
  return v;
}

/** Validates the `collector` object of a config file; relative paths resolve from `baseDir`. */
export function parseCollectorConfig(raw: unknown, baseDir: string): CollectorConfig {
  if (!isRecord(raw)) throw new ConfigError('(root)', 'must be an object');
  for (const k of Object.keys(raw))
    if (k !== 'collector' && k !== '$schema')
      throw new ConfigError(k, 'unknown top-level key (known: collector)');
  const c = raw.collector ?? {};
  if (!isRecord(c)) throw new ConfigError('collector', 'must be an object');
  const out: CollectorConfig = { products: [] };
  for (const [k, v] of Object.entries(c)) {
    const key = `collector.${k}`;
    switch (k) {
      case 'url':
        out.url = text(key, v);
        break;
      case 'products':
        out.products = list(key, v);
        break;
      case 'channels':
        out.channels = list(key, v);
        break;
      case 'output_dir':
        out.outputDir = path.resolve(baseDir, text(key, v));
        break;
      case 'max_segment_bytes':
        out.maxSegmentBytes = positive(key, v);
        break;
      case 'max_segment_age_s':
        out.maxSegmentAgeS = positive(key, v);
        break;
      case 'idle_timeout_ms':
        out.idleTimeoutMs = positive(key, v);
        break;
      case 'reconnect': {
        if (!isRecord(v)) throw new ConfigError(key, 'must be an object');
        for (const [rk, rv] of Object.entries(v)) {
          if (rk === 'initial_delay_ms') out.initialDelayMs = positive(`${key}.${rk}`, rv);
          else if (rk === 'max_delay_ms') out.maxDelayMs = positive(`${key}.${rk}`, rv);
          else throw new ConfigError(`${key}.${rk}`, 'unknown key (known: initial_delay_ms, max_delay_ms)');
        }
        break;
      }
      case 'nats': {
        if (!isRecord(v)) throw new ConfigError(key, 'must be an object');
        for (const [nk, nv] of Object.entries(v)) {
          if (nk === 'url') out.natsUrl = text(`${key}.url`, nv);
          else if (nk === 'stream') out.stream = text(`${key}.stream`, nv);
          else if (nk === 'subject_prefix') out.subjectPrefix = text(`${key}.subject_prefix`, nv);
          else if (nk === 'max_age_s') out.streamMaxAgeS = positive(`${key}.max_age_s`, nv);
          else
            throw new ConfigError(
              `${key}.${nk}`,
              'unknown key (known: url, stream, subject_prefix, max_age_s)',
            );
        }
        break;
      }
      default:
        throw new ConfigError(
          key,
          'unknown key (known: url, products, channels, output_dir, max_segment_bytes, max_segment_age_s, idle_timeout_ms, reconnect, nats)',
        );
    }
  }
  return out;
}

export async function loadCollectorConfig(file: string): Promise<CollectorConfig> {
  let body: string;
  try {
    body = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError('--config', `cannot read ${file}: ${(error as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(file);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(body) : JSON.parse(body);
  } catch (error) {
    throw new ConfigError(
      '--config',
      `${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  return parseCollectorConfig(raw ?? {}, path.dirname(path.resolve(file)));
}

/** The file's settings with the flags laid over them. */
export async function resolveCollectorConfig(flags: CollectorFlags): Promise<CollectorConfig> {
  const c = flags.config ? await loadCollectorConfig(flags.config) : { products: [] };
  if (flags.url) c.url = flags.url;
  if (flags.products) c.products = list('--products', flags.products);
  if (flags.channels) c.channels = list('--channels', flags.channels);
  if (flags.output) c.outputDir = path.resolve(flags.output);
  if (flags['max-segment-bytes'])
    c.maxSegmentBytes = positive('--max-segment-bytes', flags['max-segment-bytes']);
  if (flags['max-segment-age']) c.maxSegmentAgeS = positive('--max-segment-age', flags['max-segment-age']);
  if (flags.nats) c.natsUrl = flags.nats;
  if (flags.stream) c.stream = flags.stream;
  if (flags['subject-prefix']) c.subjectPrefix = flags['subject-prefix'];
  if (c.products.length === 0)
    throw new ConfigError(
      '--products',
      'at least one product id is required (e.g. --products BTC-USD,ETH-USD)',
    );
  if (!c.outputDir && !c.natsUrl)
    throw new ConfigError(
      '--output',
      'give --output <raw-dir> (segment files), --nats <url> (JetStream), or both',
    );
  return c;
}
