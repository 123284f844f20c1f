/**
 * Rotating NDJSON segment files in the seed's layout: a segment is written in
 * `<root>/active/<source>/segment_<UTC hour opened: YYYYMMDDTHH>_<counter>.ndjson` and, once
 * closed (fsync, then an atomic rename), appears in `<root>/ready/<source>/`, where the ETL takes
 * it. A segment closes when the next line would take it past `maxBytes` or when it is `maxAgeMs`
 * old (also while no frames come). The counter never repeats: it is kept in the active directory,
 * because the ETL deletes processed segments and a reused name would replace their output.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EtlError, errorMessage, type Logger, type Stats, StatsCollector, silentLogger } from '@etl/core';

export interface SegmentWriterOptions {
  /** Root of the raw data (e.g. `data/raw`). */
  readonly root: string;
  /** Source directory name under each stage (default `coinbase`). */
  readonly source?: string;
  /** Close a segment before it grows past this many bytes (default 100 MiB, as the seed). */
  readonly maxBytes?: number;
  /** Close a segment this many ms after it was opened (default 10 min). */
  readonly maxAgeMs?: number;
  /** fsync the open segment this often, bounding what a power cut can lose (default 1000 ms). */
  readonly fsyncIntervalMs?: number;
  /** Lines are gathered up to this many bytes before a write to disk (default 256 KiB). */
  readonly bufferBytes?: number;
  /** Called with the `ready/` path of each closed segment. */
  readonly onClose?: (readyPath: string) => void;
  readonly logger?: Logger;
  /** Wall clock in ms (tests). */
  readonly now?: () => number;
}

const SEGMENT_RE = /^segment_(\d{8}T\d{2})_(\d+)\.ndjson(\.gz|\.zst)?$/;
const COUNTER_FILE = '.segment-counter';
const STAGES = ['active', 'ready', 'processing', 'done', 'failed'];

/** `YYYYMMDDTHH` of a UTC instant in ms. */
export function segmentHour(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}`;
}

export function segmentName(ms: number, counter: number): string {
  return `segment_${segmentHour(ms)}_${String(counter).padStart(5, '0')}.ndjson`;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class SegmentWriter {
  readonly activeDir: string;
  readonly readyDir: string;
  private readonly root: string;
  private readonly source: string;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly bufferBytes: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly counts = new StatsCollector('segment-writer');
  private counter = 0;
  private handle: FileHandle | undefined;
  private name = '';
  private openedAt = 0;
  private fileBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastSync = 0;

  constructor(private readonly options: SegmentWriterOptions) {
    this.root = options.root;
    this.source = options.source ?? 'coinbase';
    this.activeDir = path.join(this.root, 'active', this.source);
    this.readyDir = path.join(this.root, 'ready', this.source);
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.bufferBytes = options.bufferBytes ?? 256 * 1024;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  /** The segment being written (its `active/` path), if any. */
  get currentPath(): string | undefined {
    return this.handle ? path.join(this.activeDir, this.name) : undefined;
  }

  /**
   * Creates the directories, moves segments a crashed run left in `active/` to `ready/` (complete
   * up to the crash; a cut last line is the ETL's to quarantine) and finds the next counter.
   */
  async open(): Promise<string[]> {
    await mkdir(this.activeDir, { recursive: true });
    await mkdir(this.readyDir, { recursive: true });
    const recovered: string[] = [];
    for (const name of await readdir(this.activeDir)) {
      if (!SEGMENT_RE.test(name)) continue;
      await rename(path.join(this.activeDir, name), path.join(this.readyDir, name));
      recovered.push(path.join(this.readyDir, name));
      this.logger.warn('moved a segment left in active/ by an earlier run to ready/', { segment: name });
    }
    if (recovered.length) {
      await fsyncDir(this.readyDir);
      this.counts.count('segments_recovered', recovered.length);
    }
    let counter = 0;
    try {
      counter = Number.parseInt(await readFile(path.join(this.activeDir, COUNTER_FILE), 'utf8'), 10) || 0;
    } catch {
      // first run
    }
    for (const stage of STAGES) {
      const names = await readdir(path.join(this.root, stage, this.source)).catch(() => [] as string[]);
      for (const n of names) {
        const m = SEGMENT_RE.exec(n);
        if (m) counter = Math.max(counter, Number(m[2]));
      }
    }
    this.counter = counter;
    const interval = this.options.fsyncIntervalMs ?? 1000;
    this.timer = setInterval(
      () =>
        void this.tick().catch((e) =>
          this.logger.error('segment writer: background flush failed', { error: errorMessage(e) }),
        ),
      Math.min(interval, 1000),
    );
    this.timer.unref();
    return recovered;
  }

  /** Appends one envelope line (with its newline), rotating first when size or age say so. */
  write(line: Buffer): Promise<void> {
    return this.exclusive(async () => {
      const now = this.now();
      if (this.handle) {
        const size = this.fileBytes + this.pendingBytes;
        if (size > 0 && size + line.length > this.maxBytes) {
          this.counts.count('rotations_size');
          await this.closeCurrent();
        } else if (now - this.openedAt >= this.maxAgeMs) {
          this.counts.count('rotations_time');
          await this.closeCurrent();
        }
      }
      if (!this.handle) await this.openNext(now);
      this.pending.push(line);
      this.pendingBytes += line.length;
      this.counts.recordsIn++;
      if (this.pendingBytes >= this.bufferBytes) await this.flushPending();
    });
  }

  /** Closes the open segment now (it moves to `ready/`); returns its ready path. */
  rotate(): Promise<string | undefined> {
    return this.exclusive(() => this.closeCurrent());
  }

  /** Closes the open segment and stops the background timer. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.exclusive(() => this.closeCurrent());
  }

  stats(): Stats {
    return this.counts.snapshot();
  }

  /** Runs `op` after every earlier operation (writes, rotations and timer work never interleave). */
  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.lock.then(op);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Timer: closes an old segment even without traffic, writes gathered lines, fsyncs. */
  private tick(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.handle) return;
      if (this.now() - this.openedAt >= this.maxAgeMs) {
        this.counts.count('rotations_time');
        await this.closeCurrent();
        return;
      }
      await this.flushPending();
      const interval = this.options.fsyncIntervalMs ?? 1000;
      if (performance.now() - this.lastSync >= interval) {
        await this.handle.datasync();
        this.lastSync = performance.now();
        this.counts.count('fsyncs');
      }
    });
  }

  private async openNext(now: number): Promise<void> {
    this.counter++;
    // The counter is saved before the file exists, so a crash can skip a number but never repeat one.
    const counterPath = path.join(this.activeDir, COUNTER_FILE);
    await writeFile(`${counterPath}.tmp`, String(this.counter));
    await rename(`${counterPath}.tmp`, counterPath);
    this.name = segmentName(now, this.counter);
    try {
      this.handle = await open(path.join(this.activeDir, this.name), 'wx');
    } catch (error) {
      throw new EtlError(
        `cannot create segment ${path.join(this.activeDir, this.name)}: ${errorMessage(error)}`,
        'E_SEGMENT',
        { cause: error },
      );
    }
    this.openedAt = now;
    this.fileBytes = 0;
    this.lastSync = performance.now();
    this.counts.count('segments_opened');
    this.logger.debug('segment opened', { segment: this.name });
  }

  private async flushPending(): Promise<void> {
    if (!this.handle || this.pendingBytes === 0) return;
    const buffers = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const { bytesWritten } = await this.handle.writev(buffers);
    if (bytesWritten < total) {
      // A short write (rare: signals, full disk): write the rest in order.
      const rest = Buffer.concat(buffers).subarray(bytesWritten);
      let done = 0;
      while (done < rest.length)
        done += (await this.handle.write(rest, done, rest.length - done)).bytesWritten;
    }
    this.fileBytes += total;
    this.counts.bytesOut += total;
  }

  private async closeCurrent(): Promise<string | undefined> {
    const handle = this.handle;
    if (!handle) return undefined;
    await this.flushPending();
    await handle.sync();
    await handle.close();
    this.handle = undefined;
    const from = path.join(this.activeDir, this.name);
    const to = path.join(this.readyDir, this.name);
    await rename(from, to);
    await fsyncDir(this.readyDir);
    this.counts.count('segments_closed');
    this.logger.info('segment closed', { segment: this.name, bytes: this.fileBytes });
    this.options.onClose?.(to);
    return to;
  }
}
