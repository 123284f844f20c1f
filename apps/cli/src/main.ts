import { createRequire } from 'node:module';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, EtlError } from '@etl/core';
import { runCommand } from './commands/run.js';
import { watchCommand } from './commands/watch.js';
import { UsageError } from './usage-error.js';

export const HELP = `etl — Coinbase market-data segments to typed, Hive-partitioned Parquet

Usage:
  etl run     --input <ready-dir> --output <processed-dir> [--config <file>]
              [--mode all|date|range] [--date D] [--start-date D] [--end-date D]
              [--channels level2,market_trades,...] [--source coinbase|coinbase-exchange]
              [--keep-input] [--in-place] [--json] [--quiet]
              [--log-format text|json] [--log-level debug|info|warn|error]
  etl watch   --input <ready-dir> --output <processed-dir> [--poll-interval <seconds>]
              [--settle <seconds>] [run options]
              A file is taken once unchanged for --settle seconds (default 3); one whose last
              line is cut waits 10 x longer (at least 60 s). Drop files in safely: write them
              elsewhere on the same filesystem, then mv/rename them into ready/.
  etl inspect <file|dir> [--json]
  etl query   "<SQL>" [--output <processed-dir>] [--json|--csv] [--max-rows N]
  etl enqueue --input <ready-dir> --queue <redis-url> [--queue-name etl] [--json]
  etl worker  --queue <redis-url> --output <processed-dir> [--concurrency N] [--until-empty]
              [--config <file>] [--keep-input] [--lock-duration <s>] [--stalled-interval <s>] [--json]
  etl queue-status --queue <redis-url> [--queue-name etl] [--json]
  etl stream  --from <nats-url> --output <processed-dir> [--config <file>] [--stream MD_COINBASE]
              [--subject 'md.coinbase.>'] [--durable etl-stream] [--start-sequence N | --start-time T]
              [--roll-interval <s>] [--roll-rows N] [--features-subject features.coinbase]
              [--no-features] [--idle-exit <s>] [--channels a,b] [--json]

Output of --output out lands in out/coinbase/<dataset>/. Exit codes: 0 every segment
succeeded, 1 a segment failed, 2 bad usage or config, 130/143 run stopped by SIGINT/SIGTERM.
SIGINT/SIGTERM: the first finishes the current segment, a second rolls it back, a third exits.
etl --version prints the version. Every option, the config keys and examples: the @etl/cli README.
`;

const RUN_OPTIONS = {
  input: { type: 'string' },
  output: { type: 'string' },
  config: { type: 'string' },
  mode: { type: 'string' },
  date: { type: 'string' },
  'start-date': { type: 'string' },
  'end-date': { type: 'string' },
  channels: { type: 'string' },
  'keep-input': { type: 'boolean' },
  'in-place': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'poll-interval': { type: 'string' },
  settle: { type: 'string' },
  source: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const QUERY_OPTIONS = {
  output: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  'max-rows': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `@etl/cli@<version>`: package.json is one level above both src/ and dist/. */
function cliVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };
  return `${pkg.name}@${pkg.version}`;
}

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Runs the CLI; resolves to the exit code. */
export async function main(
  argv: string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr },
  signal: AbortSignal = new AbortController().signal,
  /** Aborted on a second interrupt: `run`/`watch` roll the current segment back and stop. */
  rollbackSignal?: AbortSignal,
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
      case 'watch': {
        const { values, positionals } = parse(rest, RUN_OPTIONS);
        if (values.help) {
          io.stdout.write(HELP);
          return 0;
        }
        if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
        return command === 'run'
          ? await runCommand(values, io, signal, rollbackSignal)
          : await watchCommand(values, io, signal, rollbackSignal);
      }
      case 'inspect': {
        const { values, positionals } = parse(rest, {
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        } as const);
        if (values.help) {
          io.stdout.write(HELP);
          return 0;
        }
        // DuckDB loads only for the commands that use it: `run` starts faster without it.
        const { inspectCommand } = await import('./commands/inspect.js');
        return await inspectCommand(positionals[0], values, io);
      }
      case 'query': {
        const { values, positionals } = parse(rest, QUERY_OPTIONS);
        if (values.help) {
          io.stdout.write(HELP);
          return 0;
        }
        const { queryCommand } = await import('./commands/query.js');
        return await queryCommand(positionals[0], values, io);
      }
      case 'enqueue':
      case 'worker':
      case 'queue-status': {
        // BullMQ loads only for the queue commands.
        const { queueCommand } = await import('./commands/queue.js');
        return await queueCommand(command, rest, io, signal, HELP);
      }
      case 'stream': {
        // NATS loads only for the live path.
        const { STREAM_OPTIONS, streamCommand } = await import('./commands/stream.js');
        const { values, positionals } = parse(rest, STREAM_OPTIONS);
        if (values.help) {
          io.stdout.write(HELP);
          return 0;
        }
        if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
        return await streamCommand(values, io, signal);
      }
      case 'version':
      case '--version':
      case '-v':
        io.stdout.write(`${cliVersion()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`etl: ${error.message}\n`);
      if (
        error instanceof UsageError &&
        /unknown command|required|unexpected|Unknown option/.test(error.message)
      ) {
        io.stderr.write('Run "etl --help" for usage.\n');
      }
      return 2;
    }
    io.stderr.write(
      `etl: ${error instanceof EtlError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    return 1;
  }
}
