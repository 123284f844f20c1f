/**
 * Log lines about a segment name the file as the user knows it. The job reads a segment from
 * `processing/`, where it sits only while it is converted: a warning naming that path points at
 * a file that is gone (deleted, or moved to `done/`/`failed/`) once the run ends.
 */
import type { LogFields, Logger } from '@etl/core';

function rename(value: unknown, from: string, to: string): unknown {
  return typeof value === 'string' && value.includes(from) ? value.split(from).join(to) : value;
}

/** `logger`, with every occurrence of the path `from` in messages and string fields replaced by `to`. */
export function inputNameLogger(logger: Logger, from: string, to: string): Logger {
  if (from === to) return logger;
  const relabel = (fields: LogFields | undefined): LogFields | undefined => {
    if (!fields) return fields;
    let out: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(fields)) {
      const renamed = rename(value, from, to);
      if (renamed !== value) (out ??= { ...fields })[key] = renamed;
    }
    return out ?? fields;
  };
  const level =
    (write: (message: string, fields?: LogFields) => void) =>
    (message: string, fields?: LogFields): void => {
      const renamed = relabel(fields);
      write(rename(message, from, to) as string, ...(renamed ? [renamed] : []));
    };
  return {
    debug: level(logger.debug.bind(logger)),
    info: level(logger.info.bind(logger)),
    warn: level(logger.warn.bind(logger)),
    error: level(logger.error.bind(logger)),
  };
}
