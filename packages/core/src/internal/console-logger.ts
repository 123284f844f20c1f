import type { LogFields, Logger, LogLevel } from '../logger.js';
import { LOG_LEVELS } from '../logger.js';

export type LogFormat = 'text' | 'json';

export interface ConsoleLoggerOptions {
  /** Prefix text lines with an ISO time (default true; a terminal user sees lines as they come). */
  readonly timestamps?: boolean;
  /** Called before a line is written, e.g. to clear a progress bar. */
  readonly beforeWrite?: () => void;
  /** Applied to the message and to text fields, e.g. to name an option as the user wrote it. */
  readonly reword?: (text: string) => string;
}

const bigintSafe = (_key: string, v: unknown): unknown =>
  typeof v === 'bigint' ? v.toString() : v instanceof Error ? v.message : v;

/** `key=value`, quoted when the value has spaces, quotes or `=` (logfmt), so lines split cleanly. */
function textField(key: string, value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value, bigintSafe);
  return `${key}=${s === '' || /[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
}

/**
 * A text field the message already shows (`x.ndjson:5: invalid JSON` with file=x.ndjson line=5
 * reason="invalid JSON"): written once is enough for a person; JSON lines keep every field.
 */
function shownInMessage(message: string, key: string, value: unknown): boolean {
  if (typeof value === 'string') return value.length >= 2 && message.includes(value);
  return key === 'line' && typeof value === 'number' && message.includes(`:${value}:`);
}

/**
 * The CLI's logger: every line to stderr (stdout is kept for results), as text
 * (`2026-08-09T21:05:48.123Z info  segment processed segment=... quarantined=0`) or as one JSON
 * object per line (`{"time","level","msg",...fields}`).
 */
export class ConsoleLogger implements Logger {
  private readonly min: number;
  private readonly timestamps: boolean;
  private readonly beforeWrite: (() => void) | undefined;
  private readonly reword: ((text: string) => string) | undefined;

  constructor(
    private readonly format: LogFormat = 'text',
    level: LogLevel = 'info',
    private readonly stream: NodeJS.WritableStream = process.stderr,
    options: ConsoleLoggerOptions | (() => void) = {},
  ) {
    this.min = LOG_LEVELS.indexOf(level);
    // A bare function is the older beforeWrite argument.
    const o = typeof options === 'function' ? { beforeWrite: options } : options;
    this.timestamps = o.timestamps ?? true;
    this.beforeWrite = o.beforeWrite;
    this.reword = o.reword;
  }

  private write(level: LogLevel, text: string, given?: LogFields): void {
    if (LOG_LEVELS.indexOf(level) < this.min) return;
    this.beforeWrite?.();
    const reword = this.reword;
    const message = reword ? reword(text) : text;
    let fields = given;
    if (reword && given) {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(given)) copy[k] = typeof v === 'string' ? reword(v) : v;
      fields = copy;
    }
    if (this.format === 'json') {
      const line = { time: new Date().toISOString(), level, msg: message, ...fields };
      this.stream.write(`${JSON.stringify(line, bigintSafe)}\n`);
      return;
    }
    let line = this.timestamps
      ? `${new Date().toISOString()} ${level.padEnd(5)} ${message}`
      : `${level.padEnd(5)} ${message}`;
    if (fields)
      for (const [k, v] of Object.entries(fields))
        if (v !== undefined && !shownInMessage(message, k, v)) line += ` ${textField(k, v)}`;
    this.stream.write(`${line}\n`);
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }
}
