/**
 * Where a feed parser puts a record it cannot use: the quarantine sink (with the whole value, as
 * JSON) and the log, which falls silent after the first 20 so a bad file cannot flood it.
 */
import type { Logger, QuarantineSink, SourceRecord } from '@etl/core';

/** Quarantined records logged one by one before the parser falls silent (the sink keeps all). */
const LOGGED_QUARANTINES = 20;
/** The record's value as JSON, never cut: the quarantine may be the only copy of the line. */
function rawText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
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
