/**
 * Where a feed parser puts a record it cannot use: the quarantine sink (with the whole value, as
 * JSON) and the log, which falls silent after the first 20 so a bad file cannot flood it.
 */
import type { Logger, QuarantineSink, SourceRecord } from '@etl/core';

/** Quarantined records logged one by one before the parser falls silent (the sink keeps all). */
const LOGGED_QUARANTINES = 20;
/**
 * Longest text written for a value JSON.stringify cannot take (too deeply nested). Such an entry
 * is a placeholder: the job replaces parser entries with the input line exactly as it was.
 */
const UNSTRINGIFIABLE_LIMIT = 4096;

/** Deepest nesting written out by {@link boundedJson}; deeper values become `…`. */
const MAX_DEPTH = 32;

/**
 * JSON text of a parsed value, cut at `limit` characters and {@link MAX_DEPTH} levels. For values
 * JSON.stringify cannot take: a line of thousands of nested arrays parses, but stringifying it
 * (or `String(value)`, which joins arrays recursively) overflows the stack.
 */
function boundedJson(value: unknown, limit: number): string {
  let out = '';
  const walk = (v: unknown, depth: number): void => {
    if (out.length >= limit) return;
    if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v) ?? 'null';
      return;
    }
    if (depth >= MAX_DEPTH) {
      out += '…';
      return;
    }
    const array = Array.isArray(v);
    out += array ? '[' : '{';
    let first = true;
    for (const [key, item] of Object.entries(v)) {
      if (out.length >= limit) return;
      if (!first) out += ',';
      first = false;
      if (!array) out += `${JSON.stringify(key)}:`;
      walk(item, depth + 1);
    }
    out += array ? ']' : '}';
  };
  walk(value, 0);
  return out.length > limit ? out.slice(0, limit) : out;
}

/** The record's value as JSON, never cut: the quarantine may be the only copy of the line. */
function rawText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return boundedJson(value, UNSTRINGIFIABLE_LIMIT);
  }
}

export class ParserQuarantine {
  private logged = 0;

  constructor(
    /** Names the parser in the log line that says it falls silent (`coinbase`, `coinbase-exchange`). */
    private readonly source: string,
    private readonly logger: Logger,
    private readonly sink: QuarantineSink | undefined,
  ) {}

  /** Quarantines `record` with `reason` (stage 'parser') and logs it while the log is not silent. */
  put(record: SourceRecord, reason: string): void {
    if (this.logged < LOGGED_QUARANTINES) {
      this.logged++;
      this.logger.warn(`${record.file}:${record.line}: ${reason}`, {
        file: record.file,
        line: record.line,
        stage: 'parser',
      });
      if (this.logged === LOGGED_QUARANTINES) {
        this.logger.warn(`${this.source}: further quarantined records are not logged one by one`);
      }
    }
    this.sink?.put({
      file: record.file,
      line: record.line,
      reason,
      raw: rawText(record.value),
      stage: 'parser',
    });
  }
}
