/**
 * A small JSON-lines writer for testing the writer suite: correct by default, and with `bug`
 * set, broken in one realistic way each.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type QuarantineSink, SchemaError } from '../../errors.js';
import { partitionSegment } from '../../hive.js';
import type { Row } from '../../reader.js';
import { checkRow } from '../../schema.js';
import { type Stats, StatsCollector } from '../../stats.js';
import type { WriteResult, Writer, WriteSession, WriteTarget, WrittenFile } from '../../writer.js';

export type WriterBug =
  | 'puts raw values in partition paths'
  | 'leaves files after abort'
  | 'publishes though deferred'
  | 'accepts rows that do not fit'
  | 'counts characters as bytes'
  | 'adds files when an input is written again';

const BIGINT = '$bigint';
const encode = (row: Row): string =>
  JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? { [BIGINT]: String(v) } : v));

/** The rows of one file the fixture writer wrote. */
export async function readJsonLines(file: string): Promise<Row[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      JSON.parse(line, (_k, v: unknown) =>
        v && typeof v === 'object' && BIGINT in v ? BigInt((v as Record<string, string>)[BIGINT]!) : v,
      ),
    );
}

interface OpenFile {
  readonly tempPath: string;
  readonly path: string;
  readonly partition: Record<string, string | null>;
  rows: number;
  bytes: number;
}

class JsonLinesSession implements WriteSession<Row> {
  private readonly files = new Map<string, OpenFile>();
  private readonly fileId: string;
  private received = 0;

  constructor(
    private readonly target: WriteTarget,
    private readonly collector: StatsCollector,
    private readonly quarantine: QuarantineSink | undefined,
    private readonly bug: WriterBug | undefined,
  ) {
    const replayable = target.inputId !== undefined && bug !== 'adds files when an input is written again';
    this.fileId = replayable ? (target.inputId as string) : randomBytes(6).toString('hex');
  }

  async write(batch: readonly Row[]): Promise<void> {
    const lines = new Map<OpenFile, string>();
    for (const row of batch) {
      this.received++;
      this.collector.recordsIn++;
      const problems = checkRow(this.target.schema, row);
      if (problems.length > 0 && this.bug !== 'accepts rows that do not fit') {
        this.collector.errors++;
        const reason = problems.join('; ');
        if (!this.quarantine) throw new SchemaError(`${this.target.path}: ${reason}`);
        this.quarantine.put({
          file: this.target.path,
          line: this.received,
          reason,
          raw: encode(row),
          stage: 'json-lines',
        });
        continue;
      }
      const file = await this.fileFor(row);
      const kept: Row = { ...row };
      for (const c of this.target.partitionCols ?? []) delete kept[c];
      const line = `${encode(kept)}\n`;
      lines.set(file, (lines.get(file) ?? '') + line);
      file.rows++;
      file.bytes += this.bug === 'counts characters as bytes' ? line.length : Buffer.byteLength(line);
    }
    for (const [file, text] of lines) await appendFile(file.tempPath, text);
  }

  private async fileFor(row: Row): Promise<OpenFile> {
    const partition: Record<string, string | null> = {};
    const segments: string[] = [];
    for (const c of this.target.partitionCols ?? []) {
      const value = row[c] === null || row[c] === undefined ? null : String(row[c]);
      partition[c] = value === '' ? null : value;
      segments.push(
        this.bug === 'puts raw values in partition paths' ? `${c}=${value}` : partitionSegment(c, value),
      );
    }
    const dir = join(this.target.path, ...segments);
    let file = this.files.get(dir);
    if (!file) {
      await mkdir(dir, { recursive: true });
      const name = `part-${this.fileId}.jsonl`;
      file = { tempPath: join(dir, `.${name}.tmp`), path: join(dir, name), partition, rows: 0, bytes: 0 };
      this.files.set(dir, file);
    }
    return file;
  }

  async close(): Promise<WriteResult> {
    const files: WrittenFile[] = [];
    const defer = this.target.deferPublish === true && this.bug !== 'publishes though deferred';
    for (const f of this.files.values()) {
      if (!defer) await rename(f.tempPath, f.path);
      files.push({
        path: f.path,
        ...(defer ? { tempPath: f.tempPath } : {}),
        rows: f.rows,
        bytes: f.bytes,
        partition: f.partition,
      });
      this.collector.recordsOut += f.rows;
      this.collector.bytesOut += f.bytes;
    }
    return {
      files,
      rows: files.reduce((n, f) => n + f.rows, 0),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
    };
  }

  async abort(): Promise<void> {
    if (this.bug === 'leaves files after abort') return;
    for (const f of this.files.values()) await unlink(f.tempPath).catch(() => {});
  }
}

export class JsonLinesWriter implements Writer<Row> {
  private readonly collector = new StatsCollector('json-lines-writer');

  constructor(
    private readonly quarantine?: QuarantineSink,
    private readonly bug?: WriterBug,
  ) {}

  open(target: WriteTarget): WriteSession<Row> {
    return new JsonLinesSession(target, this.collector, this.quarantine, this.bug);
  }

  stats(): Stats {
    return this.collector.snapshot();
  }
}
