/**
 * The source contract: everything the pipelines and the CLI need to know about one feed, declared
 * once by the package that understands it. A source names its datasets (schema, partitioning,
 * which wire channels fill them), the side datasets its processors emit (`quality`,
 * `book_snapshot_*`), the control rows that are never written, the options of each dataset's
 * processors, its parser, and how to build its processor chain for the datasets a run writes.
 * The orchestrator and the CLI know no feed: a third party publishes a source for another exchange
 * as a package whose default export is made with {@link defineSource}.
 */

import type { QuarantineSink } from './errors.js';
import type { Logger } from './logger.js';
import type { Processor, ProcessorChain } from './processor.js';
import type { Row, SourceRecord } from './reader.js';
import type { Schema } from './schema.js';
import type { OptionSpecs } from './source-options.js';

/** Version of the source contract. A source built for another version is refused. */
export const SOURCE_API_VERSION = 1;

/** A dataset the source writes, filled by one or more wire channels. */
export interface SourceDataset {
  /** Directory name under the source's output, and the name configs and `--channels` use. */
  readonly name: string;
  readonly description: string;
  /** Schema of the rows the parser emits for it (processors may add columns, see `outputSchema`). */
  readonly schema: Schema;
  /** Default Hive partition columns (`etl.channels.<name>.partition_cols` overrides them). */
  readonly partitionCols: readonly string[];
  /** Values of a row's `channel` that belong to this dataset (default: its name only). */
  readonly rowChannels?: readonly string[];
  /**
   * The input channels (or message types) whose messages fill it, as the parser counts them
   * (`messages:<channel>` in its stats; default `rowChannels`). A segment holding such messages
   * while this dataset is not written is kept, not deleted.
   */
  readonly inputChannels?: readonly string[];
  /** Options of the processors of this dataset (`etl.channels.<name>.processor_options`). */
  readonly options?: OptionSpecs;
}

/**
 * A dataset processors emit on the side (quality events, periodic book snapshots). Rows carry
 * its name in `channel`; with `prefix`, every channel starting with `name` is one such dataset
 * (`book_snapshot_10_1000ms`) and `schema` is asked for each.
 */
export interface SourceSideDataset {
  readonly name: string;
  readonly prefix?: boolean;
  readonly description: string;
  /** Schema of one dataset of this kind; undefined when the name is not one (its rows are dropped). */
  readonly schema: Schema | ((dataset: string) => Schema | undefined);
  readonly partitionCols: readonly string[];
}

/** What a run asks of one dataset: whether it is written, and its processors' options. */
export interface SourceDatasetSettings {
  readonly enabled: boolean;
  /** The declared defaults overlaid with the config's options (camelCase, already checked). */
  readonly processorOptions: Readonly<Record<string, unknown>>;
}

export interface SourceChainContext {
  /** Every declared dataset by name. */
  readonly datasets: Readonly<Record<string, SourceDatasetSettings>>;
  readonly logger: Logger;
  /** Where unusable records and rows go (the segment's quarantine file). */
  readonly quarantine?: QuarantineSink;
  /** Every `process` call holds whole messages (one record is one frame, as on a live bus). */
  readonly messagesEndAtBatchEnd: boolean;
}

export interface SourceParserContext extends SourceChainContext {
  /** The processors the parser feeds (their output schemas, e.g. to pre-size rows). */
  readonly processors: ProcessorChain<Row, Row>;
}

/** Parses a line's bytes without JSON.parse (a reader fast path); see `NDJSONReader`'s `lineParser`. */
export interface SourceLineParser {
  parse(bytes: Uint8Array, start: number, end: number): unknown;
}

export interface SourceDefinition {
  /** What `--source` and `etl.source` name (lowercase letters, digits, `-`). */
  readonly name: string;
  readonly description: string;
  /** Directory of its output under `--output` (default: `name`). Several sources may share one. */
  readonly directory?: string;
  readonly datasets: readonly SourceDataset[];
  readonly sideDatasets?: readonly SourceSideDataset[];
  /** Row channels that only carry state between processors (e.g. sequence numbers): never written. */
  readonly controlChannels?: readonly string[];
  /**
   * Cross-option rules the per-option checks cannot express (e.g. features need the book):
   * throws a ConfigError naming the key under `keyPrefix` (`etl.channels`).
   */
  readonly checkSettings?: (
    datasets: Readonly<Record<string, SourceDatasetSettings>>,
    keyPrefix: string,
  ) => void;
  /** Records (one per input line or message) → rows of every dataset, `channel` set on each. */
  readonly parser: (context: SourceParserContext) => Processor<SourceRecord, Row>;
  /**
   * The stateful processors, in order, for the datasets enabled in `context` (state is carried
   * across inputs through their `checkpoint`/`restore`).
   */
  readonly processors: (context: SourceChainContext) => readonly Processor<Row, Row>[];
  /** A reader fast path for this feed's lines, made anew for each input. */
  readonly lineParser?: () => SourceLineParser;
}

/** A checked source definition, with lookups the pipelines use on every batch. */
export interface Source extends SourceDefinition {
  readonly apiVersion: number;
  readonly directory: string;
  readonly controlChannels: readonly string[];
  readonly sideDatasets: readonly SourceSideDataset[];
  /** Dataset of a row channel; `null` for control rows (not written), undefined when unknown. */
  datasetOfChannel(channel: string): string | null | undefined;
  /** Dataset an input channel (message kind counted by the parser) fills, if any. */
  datasetOfInput(channel: string): string | undefined;
  /** The declared dataset `name` (channel datasets only). */
  dataset(name: string): SourceDataset | undefined;
  /** The side dataset `name` belongs to, if any. */
  sideDataset(name: string): SourceSideDataset | undefined;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
const DATASET_RE = /^[a-z0-9][a-z0-9_]*$/;

/**
 * Declares a source. Checks it eagerly (names, duplicate datasets or channels), so a broken source
 * fails when it is loaded, not in the middle of a run.
 */
export function defineSource(definition: SourceDefinition): Source {
  if (!definition || typeof definition !== 'object') throw new TypeError('defineSource expects an object');
  const name = definition.name;
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new TypeError(`source name ${JSON.stringify(name)} must be lowercase letters, digits and -`);
  const where = `source ${name}`;
  const directory = definition.directory ?? name;
  if (!NAME_RE.test(directory)) throw new TypeError(`${where}: bad directory ${JSON.stringify(directory)}`);
  if (!Array.isArray(definition.datasets) || definition.datasets.length === 0)
    throw new TypeError(`${where}: datasets must declare at least one dataset`);
  for (const f of ['parser', 'processors'] as const)
    if (typeof definition[f] !== 'function') throw new TypeError(`${where}: ${f} must be a function`);
  const byChannel = new Map<string, string | null>();
  const byInput = new Map<string, string>();
  const datasets = new Map<string, SourceDataset>();
  const claim = (channel: string, dataset: string | null) => {
    if (byChannel.has(channel)) throw new TypeError(`${where}: channel ${channel} is declared twice`);
    byChannel.set(channel, dataset);
  };
  for (const d of definition.datasets) {
    if (!DATASET_RE.test(d.name)) throw new TypeError(`${where}: bad dataset name ${JSON.stringify(d.name)}`);
    if (datasets.has(d.name)) throw new TypeError(`${where}: dataset ${d.name} is declared twice`);
    if (!d.schema || !Array.isArray(d.schema.fields))
      throw new TypeError(`${where}: dataset ${d.name} needs a schema`);
    datasets.set(d.name, d);
    for (const channel of d.rowChannels ?? [d.name]) claim(channel, d.name);
    for (const channel of d.inputChannels ?? d.rowChannels ?? [d.name]) byInput.set(channel, d.name);
  }
  const controlChannels = definition.controlChannels ?? [];
  for (const channel of controlChannels) claim(channel, null);
  const sideDatasets = definition.sideDatasets ?? [];
  for (const s of sideDatasets) {
    if (!DATASET_RE.test(s.name) || datasets.has(s.name))
      throw new TypeError(`${where}: bad or duplicate side dataset ${JSON.stringify(s.name)}`);
  }
  const sideDataset = (dataset: string): SourceSideDataset | undefined =>
    sideDatasets.find((s) => (s.prefix ? dataset.startsWith(s.name) : dataset === s.name));
  return Object.freeze({
    ...definition,
    apiVersion: SOURCE_API_VERSION,
    directory,
    controlChannels,
    sideDatasets,
    datasetOfChannel: (channel: string) => byChannel.get(channel),
    datasetOfInput: (channel: string) => byInput.get(channel),
    dataset: (dataset: string) => datasets.get(dataset),
    sideDataset,
  });
}

/** True for values made by {@link defineSource} (or shaped like them). */
export function isSource(value: unknown): value is Source {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<Source>;
  return (
    typeof v.name === 'string' &&
    typeof v.apiVersion === 'number' &&
    Array.isArray(v.datasets) &&
    typeof v.datasetOfChannel === 'function'
  );
}

/** Output schema of side dataset `dataset`, or undefined when the source does not declare it. */
export function sideDatasetSchema(source: Source, dataset: string): Schema | undefined {
  const side = source.sideDataset(dataset);
  if (!side) return undefined;
  return typeof side.schema === 'function' ? side.schema(dataset) : side.schema;
}
