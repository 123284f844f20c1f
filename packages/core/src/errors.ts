/** Base class of every error the toolkit throws on purpose; `code` is stable for programs. */
export class EtlError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Where in an input a problem is. `line` is 1-based. */
export interface InputLocation {
  readonly file: string;
  readonly line: number;
}

/** A bad record in an input: says which file and line, and why. */
export class InputError extends EtlError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(location: InputLocation, reason: string, options?: { cause?: unknown }) {
    super(`${location.file}:${location.line}: ${reason}`, 'E_INPUT', options);
    this.file = location.file;
    this.line = location.line;
    this.reason = reason;
  }
}

/** Bad configuration or options; `key` names the offending setting (dotted path). */
export class ConfigError extends EtlError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`config ${key}: ${reason}`, 'E_CONFIG');
  }
}

/** A row that does not fit its declared schema. */
export class SchemaError extends EtlError {
  constructor(message: string) {
    super(message, 'E_SCHEMA');
  }
}

/** Too many bad records: the caller asked to fail fast with `maxErrors`. */
export class TooManyErrorsError extends EtlError {
  constructor(
    readonly file: string,
    readonly errors: number,
    readonly limit: number,
  ) {
    super(`${file}: ${errors} bad records exceed maxErrors=${limit}`, 'E_TOO_MANY_ERRORS');
  }
}

/** A bad record set aside instead of processed. `raw` is the record's text, possibly cut short. */
export interface QuarantineEntry {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
  /** Which component set it aside (`reader`, `parser`, ...). */
  readonly stage: string;
}

/** Where quarantined records go; implementations decide how to keep them. */
export interface QuarantineSink {
  put(entry: QuarantineEntry): void;
}

/** Keeps quarantined entries in memory (tests, small runs). */
export class MemoryQuarantine implements QuarantineSink {
  readonly entries: QuarantineEntry[] = [];
  put(entry: QuarantineEntry): void {
    this.entries.push(entry);
  }
}

/** Message text of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
