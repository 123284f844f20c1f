import { createRequire } from 'node:module';
import { ConfigError, EtlError } from '@etl/core';
import { type CliIO, commandHelp, overviewHelp, parseCommandArgs } from './command-spec.js';
import { COMMANDS, findCommand } from './command-table.js';
import { UsageError } from './usage-error.js';

export type { CliIO } from './command-spec.js';

/** `etl --help`: the commands, one line each. */
export const HELP = overviewHelp(COMMANDS);

/** `@etl/cli@<version>`: package.json is one level above both src/ and dist/. */
function cliVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };
  return `${pkg.name}@${pkg.version}`;
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
      case 'version':
      case '--version':
      case '-v':
        io.stdout.write(`${cliVersion()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        // `etl help run` is `etl run --help`.
        const about = command === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
        io.stdout.write(about ? commandHelp(about) : HELP);
        return command === undefined ? 2 : 0;
      }
    }
    const spec = findCommand(command);
    if (!spec)
      throw new UsageError(
        `unknown command "${command}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; etl --help)`,
      );
    const { flags, positionals } = parseCommandArgs(spec, rest);
    if (flags.help) {
      io.stdout.write(commandHelp(spec));
      return 0;
    }
    return await spec.run(flags, positionals, {
      io,
      signal,
      ...(rollbackSignal ? { rollbackSignal } : {}),
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`etl: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(
      `etl: ${error instanceof EtlError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    return 1;
  }
}
