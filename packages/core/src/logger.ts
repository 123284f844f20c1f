/**
 * Libraries never write to the console: they log through this interface and the application
 * (the CLI, a user's program) decides where lines go.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const noop = (): void => {};

/** Drops everything; the default wherever no logger is given. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Keeps only messages at `level` or above. */
export function filterLogger(logger: Logger, level: LogLevel): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const pick = (l: LogLevel) => (LOG_LEVELS.indexOf(l) >= min ? logger[l].bind(logger) : noop);
  return { debug: pick('debug'), info: pick('info'), warn: pick('warn'), error: pick('error') };
}

/** Collects log records in memory: for tests and for summaries. */
export class MemoryLogger implements Logger {
  readonly records: { level: LogLevel; message: string; fields?: LogFields }[] = [];
  debug(message: string, fields?: LogFields): void {
    this.records.push({ level: 'debug', message, ...(fields ? { fields } : {}) });
  }
  info(message: string, fields?: LogFields): void {
    this.records.push({ level: 'info', message, ...(fields ? { fields } : {}) });
  }
  warn(message: string, fields?: LogFields): void {
    this.records.push({ level: 'warn', message, ...(fields ? { fields } : {}) });
  }
  error(message: string, fields?: LogFields): void {
    this.records.push({ level: 'error', message, ...(fields ? { fields } : {}) });
  }
}
