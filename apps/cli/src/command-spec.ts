/**
 * The shape of a command in the table of commands (command-table.ts): its options are declared
 * once, and parsing, `etl <command> --help` and the README check all read that declaration.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown after a string option in help: `<ready-dir>`. */
  readonly value?: string;
  /** Used when the option is not given (string options whose default does not depend on a config file). */
  readonly default?: string;
  /** How help describes a default that is not a fixed value (`etl.input_dir of --config`). */
  readonly defaultText?: string;
  readonly help: string;
}

export type Flags = Record<string, string | boolean | undefined>;

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface CommandContext {
  readonly io: CliIO;
  /** The first SIGINT/SIGTERM: finish the current unit of work and stop. */
  readonly signal: AbortSignal;
  /** A second interrupt: `run`/`watch` roll the current segment back. */
  readonly rollbackSignal?: AbortSignal;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for `etl --help`. */
  readonly summary: string;
  /** The usage line after `etl <name> `: `--input <ready-dir> --output <processed-dir> [options]`. */
  readonly usage: string;
  /** Positional arguments taken (none when absent), named for messages: `<SQL>`. */
  readonly positionals?: { readonly name: string; readonly max: number };
  readonly options: readonly OptionSpec[];
  /** What happens to the input files (run, watch, worker, retry). */
  readonly input?: string;
  readonly notes?: readonly string[];
  readonly run: (flags: Flags, positionals: string[], ctx: CommandContext) => Promise<number>;
}

const HELP_OPTION: OptionSpec = { name: 'help', type: 'boolean', short: 'h', help: 'print this help' };

function optionLabel(o: OptionSpec): string {
  const long = `--${o.name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : long;
}

/** Levenshtein distance, for "did you mean" on a mistyped option. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownOption(spec: CommandSpec, given: string): UsageError {
  const name = given.replace(/^-+/, '').split('=')[0]!;
  const near = spec.options
    .map((o) => ({ o, d: distance(name, o.name) }))
    .filter(({ d }) => d <= (name.length > 3 ? 2 : 1))
    .sort((a, b) => a.d - b.d)[0];
  const names = spec.options.map((o) => `--${o.name}`).join(', ');
  return new UsageError(
    `unknown option ${given} for ${spec.name}${near ? ` (did you mean --${near.o.name}?)` : ''}; its options: ${names} (etl ${spec.name} --help)`,
  );
}

/**
 * Parses a command's arguments against its declared options. Errors are worded for this CLI:
 * node's own messages suggest "place it after --", which only applies to positional text.
 */
export function parseCommandArgs(spec: CommandSpec, args: string[]): { flags: Flags; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string }> = {};
  for (const o of [...spec.options, HELP_OPTION]) {
    options[o.name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    const decl = spec.options.find((o) => option === `--${o.name}` || option === `-${o.short}`);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownOption(spec, option);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && decl) {
      if (decl.type === 'boolean')
        throw new UsageError(`--${decl.name} takes no value (etl ${spec.name} --help)`);
      throw new UsageError(
        /ambiguous/.test(message)
          ? `--${decl.name} needs a value, got an option after it (write --${decl.name}=<value> for a value that starts with "-")`
          : `--${decl.name} needs a value: ${optionLabel(decl)}`,
      );
    }
    throw new UsageError(`${spec.name}: ${message}`);
  }
  const max = spec.positionals?.max ?? 0;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!;
    throw new UsageError(
      max === 0
        ? `${spec.name} takes no arguments, got "${extra}" (options start with --; etl ${spec.name} --help)`
        : `${spec.name} takes at most ${max} ${spec.positionals!.name}, got another: "${extra}" (quote it as one argument)`,
    );
  }
  return { flags: parsed.values as Flags, positionals: parsed.positionals };
}

/** Wraps `text` to `width` columns, each line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

const WIDTH = 100;

function defaultOf(o: OptionSpec): string | undefined {
  if (o.defaultText) return o.defaultText;
  if (o.default !== undefined) return o.default;
  return undefined;
}

/** `etl <command> --help`: usage, every option with its default, what happens to the input, notes. */
export function commandHelp(spec: CommandSpec): string {
  const labels = spec.options.map(optionLabel);
  const column = Math.min(34, Math.max(...labels.map((l) => l.length)) + 4);
  const options = spec.options.map((o, i) => {
    const d = defaultOf(o);
    const text = `${o.help}${d ? ` (default: ${d})` : ''}`;
    const label = labels[i]!;
    const pad = label.length + 2 < column ? label.padEnd(column - 2) : `${label}\n${' '.repeat(column)}`;
    return `  ${pad}${wrap(text, WIDTH - column, column)}`;
  });
  const out = [
    `etl ${spec.name} — ${spec.summary}`,
    '',
    `Usage: etl ${spec.name} ${spec.usage}`,
    '',
    'Options:',
    ...options,
    `  ${'-h, --help'.padEnd(column - 2)}print this help`,
  ];
  if (spec.input) out.push('', 'Input:', `  ${wrap(spec.input, WIDTH - 2, 2)}`);
  if (spec.notes?.length) out.push('', ...spec.notes.map((n) => wrap(n, WIDTH, 0)));
  return `${out.join('\n')}\n`;
}

/** `etl --help`: every command with its one-line description. */
export function overviewHelp(table: readonly CommandSpec[]): string {
  const width = Math.max(...table.map((c) => c.name.length)) + 2;
  return `${[
    'etl — Coinbase market-data segments to typed, Hive-partitioned Parquet',
    '',
    'Usage: etl <command> [options]      etl <command> --help for its options',
    '',
    'Commands:',
    ...table.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Exit codes: 0 success, 1 a segment or job failed, 2 bad usage or config (nothing was touched),',
    '130/143 stopped by SIGINT/SIGTERM. etl --version prints the version.',
  ].join('\n')}\n`;
}
