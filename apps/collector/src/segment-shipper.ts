/**
 * Ships closed segments to object storage: each segment the writer closes into the local
 * `ready/` is streamed from disk to `<url>/ready/<source>/<name>` as a staged (multipart) upload,
 * so it appears there only once complete and is never held in memory (one part at most), then
 * the local copy is deleted. The local spool is what makes it durable: a crash while uploading
 * leaves the file in the local `ready/`, shipped again at the next start (after the crashed
 * run's pending uploads are aborted); a crash while writing leaves it in `active/`, which the
 * writer moves to `ready/` at start.
 */
import { createReadStream } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type Logger, type ObjectStorage, silentLogger } from '@etl/core';

const SEGMENT_RE = /^segment_\d{8}T\d{2}_\d+\.ndjson(\.gz|\.zst)?$/;

export class SegmentShipper {
  private queue: Promise<unknown> = Promise.resolve();
  private shipped = 0;
  private failures = 0;

  constructor(
    /** The remote `ready/<source>/` location. */
    private readonly storage: ObjectStorage,
    /** The local `ready/<source>/` the segment writer closes segments into. */
    private readonly localReady: string,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Aborts uploads a crashed run left and ships every segment waiting in the local `ready/`. */
  async start(): Promise<void> {
    for await (const pending of this.storage.pendingUploads('')) await this.storage.abortUpload(pending);
    const names = await readdir(this.localReady).catch(() => [] as string[]);
    for (const name of names.sort())
      if (SEGMENT_RE.test(name)) this.enqueue(path.join(this.localReady, name));
  }

  /** Ships `file` after every segment queued before it (in order). */
  enqueue(file: string): void {
    this.queue = this.queue.then(() =>
      this.ship(file).catch((error) => {
        this.failures++;
        this.logger.error(
          'a closed segment could not be uploaded; it stays in the local ready/ and is retried at the next start',
          {
            segment: path.basename(file),
            error: errorMessage(error),
          },
        );
      }),
    );
  }

  /** Waits for every queued segment; says how many were shipped and how many failed. */
  async drain(): Promise<{ shipped: number; failed: number }> {
    await this.queue;
    return { shipped: this.shipped, failed: this.failures };
  }

  private async ship(file: string): Promise<void> {
    const key = path.basename(file);
    const upload = await this.storage.upload(key);
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
        await upload.write(chunk as Buffer);
      await this.storage.complete(await upload.seal());
    } catch (error) {
      await upload.abort().catch(() => undefined);
      throw error;
    }
    await unlink(file);
    this.shipped++;
    this.logger.info('segment uploaded', { segment: key, to: `${this.storage.location}/${key}` });
  }
}
