/**
 * Publishes rows (processed rows or live features) as JSON on core NATS subjects built from a
 * template such as `features.coinbase.{product_id}`. Core publish is fire-and-forget with the
 * lowest latency; a JetStream stream whose subjects cover the template stores the rows too,
 * without any change here.
 */
import { ConfigError, type Row, type Stats, StatsCollector } from '@etl/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { rowToJson } from './row-json.js';
import { subjectToken } from './subjects.js';

export interface RowPublisherOptions {
  readonly connection: NatsConnection;
  /**
   * Subject template: `{field}` is replaced by the row's value of that field as a safe subject
   * token (`_` when missing), e.g. `features.coinbase.{product_id}`.
   */
  readonly subject: string;
}

/** Literal text and field names alternating: [text, field, text, field, ..., text]. */
function compileTemplate(template: string): string[] {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    const open = template.indexOf('{', at);
    if (open < 0) break;
    const close = template.indexOf('}', open);
    if (close < 0)
      throw new ConfigError('subject', `unclosed "{" in subject template ${JSON.stringify(template)}`);
    const field = template.slice(open + 1, close);
    if (!field)
      throw new ConfigError('subject', `empty "{}" in subject template ${JSON.stringify(template)}`);
    parts.push(template.slice(at, open), field);
    at = close + 1;
  }
  parts.push(template.slice(at));
  return parts;
}

export class RowPublisher {
  private readonly connection: NatsConnection;
  private readonly parts: string[];
  private readonly encoder = new TextEncoder();
  private readonly counts = new StatsCollector('row-publisher');

  constructor(options: RowPublisherOptions) {
    if (!options.subject) throw new ConfigError('subject', 'a subject template is required');
    this.connection = options.connection;
    this.parts = compileTemplate(options.subject);
  }

  /** The subject a row goes to. */
  subjectFor(row: Readonly<Row>): string {
    const parts = this.parts;
    if (parts.length === 1) return parts[0]!;
    let subject = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const value = row[parts[i]!];
      subject += subjectToken(value === null || value === undefined ? null : String(value)) + parts[i + 1]!;
    }
    return subject;
  }

  /** Publishes each row as one JSON message (bigint as decimal strings). */
  publish(rows: readonly Readonly<Row>[]): void {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const data = this.encoder.encode(rowToJson(row));
      this.connection.publish(this.subjectFor(row), data);
      this.counts.recordsOut++;
      this.counts.bytesOut += data.length;
    }
    this.counts.recordsIn += rows.length;
  }

  /** Resolves when the server has received everything published so far. */
  async flush(): Promise<void> {
    await this.connection.flush();
  }

  stats(): Stats {
    return this.counts.snapshot();
  }
}
