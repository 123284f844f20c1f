/**
 * What a sandboxed processor thread needs to know, handed over as `workerData` (plain data:
 * it is structured-cloned into the thread), and the context the thread builds from it once.
 */
import type { CoinbaseSegmentPipelineOptions } from '@etl/orchestrator';
import type { ObjectOutputSettings } from './object-output.js';
import type { RedisConnectionOptions } from './redis-connection.js';
import type { SegmentQueueNames } from './segment-jobs.js';

export interface ProcessorSettings {
  readonly outputDir: string;
  readonly source?: CoinbaseSegmentPipelineOptions['source'];
  readonly channelConfig?: Readonly<Record<string, unknown>>;
  readonly compression?: CoinbaseSegmentPipelineOptions['compression'];
  readonly maxErrors?: number;
  readonly channels?: readonly string[];
  /** Plugins the threads load themselves (package names or paths, as in a config's `plugins`). */
  readonly plugins?: readonly string[];
  /** Where relative plugin paths and package lookups start (the config file's directory). */
  readonly pluginBaseDir?: string;
  readonly keepInput: boolean;
  readonly connection: RedisConnectionOptions;
  readonly queues: SegmentQueueNames;
  readonly prefix: string;
  /** How long a state job waits before it looks again for its predecessor's state. */
  readonly waitPollMs: number;
  /** Set when the output is object storage; `outputDir` is then this process's scratch output. */
  readonly objectOutput?: ObjectOutputSettings;
  /** File the threads append each committed conversion to (the worker's own record, see conversion-journal). */
  readonly journal?: string;
}

/** Checks `workerData` is what {@link SegmentWorker} sends (a thread started otherwise fails clearly). */
export function readProcessorSettings(value: unknown): ProcessorSettings {
  const s = value as Partial<ProcessorSettings> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    typeof s.outputDir !== 'string' ||
    !s.connection ||
    !s.queues ||
    typeof s.prefix !== 'string'
  ) {
    throw new Error(
      'segment processor: workerData is not a ProcessorSettings object (start it through SegmentWorker)',
    );
  }
  return s as ProcessorSettings;
}
