import type { LogFields, Logger, LogLevel } from '@etl/core';
import { LOG_LEVELS } from '@etl/core';

/** The app's logger: one line per record on stderr, as text or JSON (bigint as strings). */
export class StderrLogger implements Logger {
  private readonly min: number;

  constructor(
    private readonly format: 'text' | 'json' = 'text',
    level: LogLevel = 'info',
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {
    this.min = LOG_LEVELS.indexOf(level);
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

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (LOG_LEVELS.indexOf(level) < this.min) return;
    const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
    if (this.format === 'json') {
      this.stream.write(
        `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }, replacer)}\n`,
      );
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, replacer)}`)
          .join(' ')
      : '';
    this.stream.write(
      `${new Date().toISOString()} ${level.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`,
    );
  }
}
