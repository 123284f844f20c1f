import type { QuarantineEntry, QuarantineSink } from '@etl/core';
import { writeFileAtomic } from './atomic-file.js';

const RAW_LIMIT = 4096;

/**
 * Collects one segment's quarantined records and writes them as NDJSON beside the output, so a
 * person can see every bad line with its file, line and reason.
 */
export class QuarantineCollector implements QuarantineSink {
  readonly entries: QuarantineEntry[] = [];
  /** Distinct input lines set aside (a line rejected by two stages counts once). */
  private readonly lines = new Set<string>();

  put(entry: QuarantineEntry): void {
    this.lines.add(`${entry.file}\u0000${entry.line}`);
    this.entries.push(
      entry.raw.length > RAW_LIMIT ? { ...entry, raw: entry.raw.slice(0, RAW_LIMIT) } : entry,
    );
  }

  get lineCount(): number {
    return this.lines.size;
  }

  async writeTo(file: string): Promise<void> {
    const body = this.entries.map((e) => JSON.stringify(e)).join('\n');
    await writeFileAtomic(file, body ? `${body}\n` : '');
  }
}
