/**
 * How many part files of one writer hold an open descriptor at once. A run touching thousands
 * of partitions (one connection subscribed to every product) would otherwise keep one descriptor
 * per partition until the end and fail with EMFILE under an ordinary `ulimit -n`. A file over
 * the cap is not finished early: its descriptor is closed and opened again (append mode) when
 * its next row group comes, so a partition still gets one file per input.
 */

/** A file whose descriptor the limit may close while it is not in use. */
export interface SuspendableFile {
  /** True while a write or finish is running on it. */
  readonly busy: boolean;
  /** Closes the descriptor; the file reopens it on its next write. */
  suspend(): Promise<void>;
}

export class OpenFileLimit {
  /** Files with an open descriptor, least recently used first. */
  private readonly open = new Set<SuspendableFile>();

  constructor(readonly maxOpen: number) {}

  get openCount(): number {
    return this.open.size;
  }

  /**
   * Called before `file` opens its descriptor: closes the least recently used idle files until
   * it fits. The count is taken synchronously, so concurrent callers do not overshoot together;
   * only when every open file is busy does the count pass the cap.
   */
  async admit(file: SuspendableFile): Promise<void> {
    this.open.delete(file);
    this.open.add(file);
    while (this.open.size > this.maxOpen) {
      const victim = this.leastRecentIdle(file);
      if (!victim) return;
      this.open.delete(victim);
      await victim.suspend();
    }
  }

  /** Marks `file` as just used. */
  touch(file: SuspendableFile): void {
    if (this.open.delete(file)) this.open.add(file);
  }

  /** `file` closed its descriptor for good. */
  closed(file: SuspendableFile): void {
    this.open.delete(file);
  }

  private leastRecentIdle(except: SuspendableFile): SuspendableFile | undefined {
    for (const file of this.open) if (file !== except && !file.busy) return file;
    return undefined;
  }
}
