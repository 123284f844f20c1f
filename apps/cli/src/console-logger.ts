import type { LogFields, Logger, LogLevel } from '@etl/core';
import { LOG_LEVELS } from '@etl/core';

export type LogFormat = 'text' | 'json';

/** The CLI's logger: every line to stderr (stdout is kept for results), as text or JSON. */
export class ConsoleLogger implements Logger {
  private readonly min: number;
  constructor(
    private readonly format: LogFormat = 'text',
    level: LogLevel = 'info',
    private readonly stream: NodeJS.WritableStream = process.stderr,
    /** Called before a line is written, e.g. to clear a progress bar. */
    private readonly beforeWrite?: () => void,
  ) {
    this.min = LOG_LEVELS.indexOf(level);
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (LOG_LEVELS.indexOf(level) < this.min) return;
    this.beforeWrite?.();
    if (this.format === 'json') {
      const line = { time: new Date().toISOString(), level, msg: message, ...fields };
      this.stream.write(`${JSON.stringify(line, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}`)
          .join(' ')
      : '';
    this.stream.write(`${level.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`);
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
