/**
 * The table of commands: each declares its options once; `main` parses and dispatches from it,
 * `etl <command> --help` is generated from it, and a test checks the README against it.
 * Implementations load lazily: `etl run` never loads DuckDB, BullMQ or NATS.
 */
import {
  CHANNELS_OPTION,
  CONFIG_OPTION,
  IN_PLACE_OPTION,
  INPUT_OPTION,
  KEEP_INPUT_OPTION,
  MAX_ERRORS_OPTION,
  OUTPUT_DIR_OPTION,
  OUTPUT_OPTIONS,
  QUEUE_OPTIONS,
  SOURCE_OPTION,
  SOURCE_PACKAGE_OPTION,
  segmentInputNote,
  THREADS_OPTION,
} from './command-options.js';
import type { CommandSpec, OptionSpec } from './command-spec.js';

const DATE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'mode',
    type: 'string',
    value: 'all|date|range',
    defaultText: 'all; date when --date is given, range when --start-date/--end-date are',
    help: 'which segments, by the UTC date in their names; a --mode that contradicts the date flags is an error',
  },
  {
    name: 'date',
    type: 'string',
    value: '<YYYY-MM-DD>',
    help: 'only segments of this date (implies --mode date)',
  },
  {
    name: 'start-date',
    type: 'string',
    value: '<YYYY-MM-DD>',
    help: 'first date of the range, inclusive (implies --mode range; needs --end-date)',
  },
  {
    name: 'end-date',
    type: 'string',
    value: '<YYYY-MM-DD>',
    help: 'last date of the range, inclusive (implies --mode range; needs --start-date)',
  },
];

const EXIT_NOTE =
  'Exit codes: 0 every segment succeeded, 1 a segment failed, 2 bad usage or config (nothing was touched), 130/143 stopped by SIGINT/SIGTERM. The first SIGINT/SIGTERM finishes the current segment, a second rolls it back to ready/, a third exits at once.';

const RUN: CommandSpec = {
  name: 'run',
  summary: 'convert every segment in ready/ to Parquet, then stop',
  usage: '--input <ready-dir> --output <processed-dir> [options]',
  options: [
    INPUT_OPTION,
    OUTPUT_DIR_OPTION,
    CONFIG_OPTION,
    ...DATE_OPTIONS,
    CHANNELS_OPTION,
    SOURCE_PACKAGE_OPTION,
    MAX_ERRORS_OPTION,
    THREADS_OPTION,
    KEEP_INPUT_OPTION,
    IN_PLACE_OPTION,
    ...OUTPUT_OPTIONS,
  ],
  input: segmentInputNote(true),
  notes: [EXIT_NOTE],
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/run.js')).runCommand(flags, ctx.io, ctx.signal, ctx.rollbackSignal),
};

const WATCH: CommandSpec = {
  name: 'watch',
  summary: 'convert segments as they appear in ready/, until SIGINT/SIGTERM',
  usage: '--input <ready-dir> --output <processed-dir> [options]',
  options: [
    {
      ...INPUT_OPTION,
      help: 'the directory of closed segments, e.g. data/raw/ready/coinbase; a directory that does not exist yet is waited for, with a warning',
    },
    OUTPUT_DIR_OPTION,
    CONFIG_OPTION,
    {
      name: 'poll-interval',
      type: 'string',
      value: '<seconds>',
      default: '2',
      help: 'how often ready/ is looked at',
    },
    {
      name: 'settle',
      type: 'string',
      value: '<seconds>',
      default: '3',
      help: 'how long a file must stay unchanged (size and mtime) before it is taken, so a file still being copied in is not converted half-written; a file renamed into ready/ long after it was written is taken at once; a plain file whose last line is cut (or that is empty) waits 10 x longer (at least 60 s)',
    },
    CHANNELS_OPTION,
    SOURCE_PACKAGE_OPTION,
    MAX_ERRORS_OPTION,
    THREADS_OPTION,
    KEEP_INPUT_OPTION,
    {
      name: 'in-place',
      type: 'boolean',
      help: 'not taken by watch (exit 2): convert an archive in place with etl run --in-place',
    },
    {
      name: 'compact',
      type: 'boolean',
      help: 'also compact closed dates (before today, UTC) as etl compact does, once no segment of such a date is left to convert (off by default)',
    },
    ...OUTPUT_OPTIONS,
  ],
  input: `${segmentInputNote(false)} To drop files in safely, write them elsewhere on the same filesystem and rename them into ready/.`,
  notes: [
    'Segments are taken in name order. At SIGINT/SIGTERM the current segment finishes, then the summary of everything processed is printed (exit 0).',
  ],
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/watch.js')).watchCommand(flags, ctx.io, ctx.signal, ctx.rollbackSignal),
};

const INSPECT: CommandSpec = {
  name: 'inspect',
  summary: 'schema, rows, row groups, sizes, partitions and metadata of Parquet output',
  usage: '<file.parquet|dir> [--json]',
  positionals: { name: '<file|dir>', max: 1 },
  options: [{ name: 'json', type: 'boolean', help: 'print one JSON object listing every file' }],
  notes: ['Reads the Parquet footers only. A directory is searched for .parquet files, grouped by dataset.'],
  run: async (flags, positionals, ctx) =>
    (await import('./commands/inspect.js')).inspectCommand(positionals[0], flags, ctx.io),
};

const QUERY: CommandSpec = {
  name: 'query',
  summary: 'DuckDB SQL over the output, one view per dataset',
  usage: '"<SQL>" [--output <processed-dir>] [--json|--csv] [--max-rows N]',
  positionals: { name: '<SQL>', max: 1 },
  options: [
    {
      name: 'output',
      type: 'string',
      value: '<processed-dir>',
      default: 'data/processed',
      help: 'the directory `etl run --output` wrote',
    },
    { name: 'json', type: 'boolean', help: 'every row as a JSON array of objects' },
    { name: 'csv', type: 'boolean', help: 'every row as CSV with a header line' },
    {
      name: 'max-rows',
      type: 'string',
      value: '<N>',
      default: '100',
      help: 'rows the table shows (0 = all); --json and --csv always give every row',
    },
  ],
  notes: [
    'Views: level2, market_trades, ticker, candles, quality, book_snapshot_… (those present), read with Hive partitioning. SQL that starts with "-" goes after --.',
  ],
  run: async (flags, positionals, ctx) =>
    (await import('./commands/query.js')).queryCommand(positionals[0], flags, ctx.io),
};

const REPORT: CommandSpec = {
  name: 'report',
  summary: 'data-quality report of the output: coverage, book health, market picture, input health',
  usage:
    '--output <processed-dir> [--date D | --start-date D --end-date D] [--product P,...] [--html <file>] [--json]',
  options: [
    {
      name: 'output',
      type: 'string',
      value: '<processed-dir>',
      help: 'the directory `etl run --output` wrote (required)',
    },
    { name: 'date', type: 'string', value: '<YYYY-MM-DD>', help: 'one UTC date (default: every date)' },
    {
      name: 'start-date',
      type: 'string',
      value: '<YYYY-MM-DD>',
      help: 'first date of a range, inclusive (needs --end-date)',
    },
    {
      name: 'end-date',
      type: 'string',
      value: '<YYYY-MM-DD>',
      help: 'last date of a range, inclusive (needs --start-date)',
    },
    {
      name: 'product',
      type: 'string',
      value: '<P,...>',
      defaultText: 'every product',
      help: 'only these products, comma-separated (e.g. BTC-USD,ETH-USD)',
    },
    {
      name: 'input',
      type: 'string',
      value: '<ready-dir>',
      help: 'the ready/ directory the job read: failed segments are also looked for in failed/ beside it',
    },
    {
      name: 'html',
      type: 'string',
      value: '<file>',
      help: 'also write one self-contained HTML page (charts inlined, nothing fetched when viewed)',
    },
    { name: 'json', type: 'boolean', help: 'print the figures as one JSON object instead of the summary' },
  ],
  notes: [
    'Per product and UTC day: rows per minute of each dataset and the minutes without any; the share of time the order book was valid, each gap, reconnect, stale-checkpoint and book-invalid span, crossed-book repairs; mid and spread (bps) per second and trade volume per minute by taker side; and for the segments of those dates: lines, quarantined lines and rows with their reasons, failed segments.',
    'Exit codes: 0 the report was made, 1 no rows for the selection, 2 bad usage (e.g. --output is not a directory).',
  ],
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/report.js')).reportCommand(flags, ctx.io),
};

const ENQUEUE: CommandSpec = {
  name: 'enqueue',
  summary: 'turn the segments in ready/ into queue jobs for `etl worker`',
  usage: '--input <ready-dir> --queue <redis-url> [options]',
  options: [
    ...QUEUE_OPTIONS,
    INPUT_OPTION,
    CONFIG_OPTION,
    {
      name: 'attempts',
      type: 'string',
      value: '<N>',
      defaultText: 'the queue default (3)',
      help: 'tries per job before it fails',
    },
    ...OUTPUT_OPTIONS,
  ],
  input: 'Nothing is moved: the segments stay in ready/ until a worker has converted them.',
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/queue.js')).queueCommand('enqueue', flags, ctx.io, ctx.signal),
};

const WORKER: CommandSpec = {
  name: 'worker',
  summary: 'convert queued segments (any number of workers, on any machine sharing the files)',
  usage: '--queue <redis-url> --output <processed-dir> [options]',
  options: [
    ...QUEUE_OPTIONS,
    OUTPUT_DIR_OPTION,
    CONFIG_OPTION,
    {
      name: 'concurrency',
      type: 'string',
      value: '<N>',
      default: '1',
      help: 'conversions at once in this process, each in its own thread',
    },
    {
      name: 'until-empty',
      type: 'boolean',
      help: 'exit once the queues are empty instead of waiting for more',
    },
    CHANNELS_OPTION,
    SOURCE_OPTION,
    MAX_ERRORS_OPTION,
    { ...KEEP_INPUT_OPTION },
    {
      name: 'lock-duration',
      type: 'string',
      value: '<seconds>',
      default: '30',
      help: 'a job whose lock is not renewed for this long is taken for stalled and retried elsewhere',
    },
    {
      name: 'stalled-interval',
      type: 'string',
      value: '<seconds>',
      default: '30',
      help: 'how often this worker looks for stalled jobs',
    },
    {
      name: 'compact',
      type: 'boolean',
      help: 'compact a closed date (before today, UTC) like etl compact when its commit job runs; off by default',
    },
    ...OUTPUT_OPTIONS,
  ],
  input:
    'A segment is deleted once its rows are committed to the output, unless --keep-input (then it is moved to done/). A segment whose job fails for good is moved to failed/ beside ready/ with <name>.error.json; `etl retry` moves it back to ready/, and `etl enqueue` queues it again.',
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/queue.js')).queueCommand('worker', flags, ctx.io, ctx.signal),
};

const QUEUE_STATUS: CommandSpec = {
  name: 'queue-status',
  summary: 'jobs waiting, active, done and failed in each queue',
  usage: '--queue <redis-url> [--queue-name etl] [--json]',
  options: [...QUEUE_OPTIONS, ...OUTPUT_OPTIONS],
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/queue.js')).queueCommand('queue-status', flags, ctx.io, ctx.signal),
};

const RETRY: CommandSpec = {
  name: 'retry',
  summary: 'move failed segments from failed/ back to ready/ to be converted again',
  usage: '--input <ready-dir> (<segment> ... | --all) [--json]',
  positionals: { name: '<segment>', max: Number.POSITIVE_INFINITY },
  options: [
    INPUT_OPTION,
    CONFIG_OPTION,
    { name: 'all', type: 'boolean', help: 'every segment in failed/' },
    {
      name: 'json',
      type: 'boolean',
      help: 'print one JSON object ({"moved":[...]}) instead of one line per segment',
    },
  ],
  input:
    'Each named segment (file name, or name without extension) is moved from failed/ (beside ready/, or etl.failed_dir of --config) back to ready/, and its <name>.error.json is removed after its error is printed. Nothing is moved when a name is not in failed/ or already in ready/ (exit 2).',
  run: async (flags, positionals, ctx) =>
    (await import('./commands/retry.js')).retryCommand(flags, positionals, ctx.io),
};

const COMPACT: CommandSpec = {
  name: 'compact',
  summary: 'merge the files of each closed partition into one time-sorted file',
  usage: '--output <processed-dir> [--dataset a,b] [--before YYYY-MM-DD] [--json]',
  options: [
    OUTPUT_DIR_OPTION,
    CONFIG_OPTION,
    {
      name: 'dataset',
      type: 'string',
      value: 'a,b',
      defaultText: 'every dataset',
      help: 'only these datasets (level2, market_trades, ...)',
    },
    {
      name: 'before',
      type: 'string',
      value: '<YYYY-MM-DD>',
      defaultText: 'today (UTC)',
      help: 'compact partitions whose date is before this one; today and later may still be written, so a later date is an error',
    },
    {
      name: 'max-file-mib',
      type: 'string',
      value: '<MiB>',
      default: '512',
      help: 'size at which a merged file rolls over to the next one',
    },
    ...OUTPUT_OPTIONS,
  ],
  notes: [
    'Each partition with more than one file (one per segment) becomes one file sorted by time (level2: server_timestamp, sequence_num; market_trades: time, trade_id; ticker: server_timestamp; candles: start; quality: in segment order), swapped in atomically through a manifest in <processed-dir>/coinbase/_compactions/; a killed run is finished or rolled back by the next etl command. A segment whose rows were compacted is not converted again (it fails with E_SEGMENT_COMPACTED and stays in failed/): no row is ever duplicated.',
    'Exit codes: 0 every partition compacted (or already compact), 1 a partition failed (it keeps its files), 2 bad usage.',
  ],
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/compact.js')).compactCommand(flags, ctx.io, ctx.signal, ctx.rollbackSignal),
};

const STREAM: CommandSpec = {
  name: 'stream',
  summary: 'convert the live feed from NATS JetStream continuously',
  usage: '--from <nats-url> --output <processed-dir> [options]',
  options: [
    {
      name: 'from',
      type: 'string',
      value: '<nats-url>',
      defaultText: '$NATS_URL',
      help: 'the NATS server the collector publishes to',
    },
    OUTPUT_DIR_OPTION,
    CONFIG_OPTION,
    { name: 'stream', type: 'string', value: '<name>', default: 'MD_COINBASE', help: 'the JetStream stream' },
    {
      name: 'subject',
      type: 'string',
      value: '<subject>',
      default: 'md.coinbase.>',
      help: 'the subjects read',
    },
    {
      name: 'durable',
      type: 'string',
      value: '<name>',
      default: 'etl-stream',
      help: 'the durable consumer; also names the position kept next to the output',
    },
    {
      name: 'start-sequence',
      type: 'string',
      value: '<N>',
      defaultText: 'the stream start',
      help: 'first sequence on a fresh output (ignored when the output holds committed rolls)',
    },
    {
      name: 'start-time',
      type: 'string',
      value: '<RFC 3339>',
      help: 'first message time on a fresh output (instead of --start-sequence)',
    },
    {
      name: 'roll-interval',
      type: 'string',
      value: '<seconds>',
      default: '60',
      help: 'a roll (Parquet files and commit) at least this often',
    },
    {
      name: 'roll-rows',
      type: 'string',
      value: '<N>',
      defaultText: 'none',
      help: 'also roll after this many rows',
    },
    {
      name: 'features-subject',
      type: 'string',
      value: '<prefix>',
      default: 'features.coinbase',
      help: 'real-time features are published on <prefix>.<product_id>',
    },
    { name: 'no-features', type: 'boolean', help: 'do not publish features' },
    {
      name: 'idle-exit',
      type: 'string',
      value: '<seconds>',
      defaultText: 'never',
      help: 'exit after this long without a message',
    },
    CHANNELS_OPTION,
    { ...SOURCE_OPTION, help: `${SOURCE_OPTION.help}; the live path reads coinbase only` },
    ...OUTPUT_OPTIONS,
  ],
  input: 'Messages stay in the stream; they are acknowledged once the roll holding them is committed.',
  run: async (flags, _positionals, ctx) =>
    (await import('./commands/stream.js')).streamCommand(flags, ctx.io, ctx.signal),
};

export const COMMANDS: readonly CommandSpec[] = [
  RUN,
  WATCH,
  RETRY,
  INSPECT,
  QUERY,
  REPORT,
  ENQUEUE,
  WORKER,
  QUEUE_STATUS,
  STREAM,
  COMPACT,
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
