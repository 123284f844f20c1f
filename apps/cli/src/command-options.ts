/** Options several commands share, declared once for the table of commands. */
import type { OptionSpec } from './command-spec.js';

export const OUTPUT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'json',
    type: 'boolean',
    help: 'print exactly one JSON object on stdout instead of the summary table',
  },
  {
    name: 'quiet',
    type: 'boolean',
    short: 'q',
    help: 'print nothing on success (warnings and errors still go to stderr)',
  },
  {
    name: 'log-format',
    type: 'string',
    value: 'text|json',
    default: 'text',
    help: 'log lines on stderr as text or as one JSON object per line',
  },
  {
    name: 'log-level',
    type: 'string',
    value: 'debug|info|warn|error',
    defaultText: 'info, warn with --quiet',
    help: 'the least severe level logged',
  },
];

export const CONFIG_OPTION: OptionSpec = {
  name: 'config',
  type: 'string',
  value: '<file>',
  defaultText: 'none',
  help: 'JSON or YAML config file (see the @etl/cli README); flags win over it',
};

export const INPUT_OPTION: OptionSpec = {
  name: 'input',
  type: 'string',
  value: '<ready-dir>',
  defaultText: 'etl.input_dir of --config',
  help: 'the directory of closed segments, e.g. data/raw/ready/coinbase; must exist and be a directory',
};

export const OUTPUT_DIR_OPTION: OptionSpec = {
  name: 'output',
  type: 'string',
  value: '<processed-dir>',
  defaultText: 'etl.output_dir of --config',
  help: 'output root: datasets land in <processed-dir>/coinbase/<dataset>/; must be a directory if it exists',
};

export const CHANNELS_OPTION: OptionSpec = {
  name: 'channels',
  type: 'string',
  value: '<a,b,...>',
  defaultText: 'every enabled channel',
  help: 'datasets to write: level2, market_trades, ticker, candles (and plugin outputs of --config); an unknown name is an error',
};

export const SOURCE_OPTION: OptionSpec = {
  name: 'source',
  type: 'string',
  value: 'coinbase|coinbase-exchange',
  defaultText: 'etl.source of --config, else coinbase',
  help: 'the feed the captures hold: coinbase (Advanced Trade) or coinbase-exchange (the legacy Exchange feed)',
};

/** `run` and `watch` also load a source another package publishes (see source-choice.ts). */
export const SOURCE_PACKAGE_OPTION: OptionSpec = {
  ...SOURCE_OPTION,
  help: `${SOURCE_OPTION.help}, or a source package (npm name or path; see defineSource in @etl/core)`,
};

export const MAX_ERRORS_OPTION: OptionSpec = {
  name: 'max-errors',
  type: 'string',
  value: '<N>',
  defaultText: 'etl.max_errors of --config, else no limit',
  help: 'a segment with more than N bad lines fails (moved to failed/) instead of being converted with them quarantined',
};

export const THREADS_OPTION: OptionSpec = {
  name: 'threads',
  type: 'string',
  value: '<N>',
  defaultText: '1',
  help: 'with N > 1, N worker threads read and scan a plain segment of 16 MiB or more in parallel, 4 MiB at a time (same output); a compressed one is read by the main thread',
};

export const KEEP_INPUT_OPTION: OptionSpec = {
  name: 'keep-input',
  type: 'boolean',
  defaultText: 'off; etl.delete_after_processing: false in --config does the same',
  help: 'move each converted segment to done/ instead of deleting it',
};

export const IN_PLACE_OPTION: OptionSpec = {
  name: 'in-place',
  type: 'boolean',
  defaultText: 'off',
  help: 'convert the segments where they lie: nothing in --input is moved, deleted or written (it may be read-only); claims and error reports go under <processed-dir>/coinbase/_state/; a rerun skips what is already committed',
};

export const QUEUE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'queue',
    type: 'string',
    value: '<redis-url>',
    defaultText: 'required',
    help: 'the Redis holding the queues: redis://host:port or redis+unix:///path/to/socket',
  },
  {
    name: 'queue-name',
    type: 'string',
    value: '<name>',
    defaultText: 'etl',
    help: 'the pipeline name the queues derive from (<name>-state, <name>-convert, <name>-commit)',
  },
];

/** What `run` and `watch` do with a segment (`--in-place` is `run`'s), and how to retry a failed one. */
export function segmentInputNote(inPlace: boolean): string {
  return [
    `A segment is deleted once its rows are committed to the output, unless --keep-input (then it is moved to done/)${inPlace ? ' or --in-place (then it stays where it is)' : ''}.`,
    `A segment that fails is moved to failed/ beside ready/ with <name>.error.json saying why${inPlace ? ' (with --in-place it stays, and the report is in <processed-dir>/coinbase/_state/failed/)' : ''}, never deleted;`,
    'after fixing the cause, `etl retry --input <ready-dir> <name>` (or --all) moves it back to ready/.',
    'Files with a compression the ETL cannot read (.bz2, .xz, .lz4, .zip, .7z, …) are left where they are and named in a warning and in the summary (unsupported_files).',
  ].join(' ');
}
