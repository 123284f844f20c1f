import type { FileHandle } from 'node:fs/promises';
import { ByteWriter } from 'hyparquet-writer';

/**
 * hyparquet-writer output that streams to an open file. The encoder appends a whole row group to
 * the in-memory buffer, then calls `flush`, which writes it out asynchronously; the encoder waits
 * for that before it touches the buffer again. Memory is therefore one compressed row group, and
 * the event loop is never blocked on the disk.
 */
export class ParquetFileSink extends ByteWriter {
  /** Replaced when the file is reopened after its descriptor was closed (see PartFile.suspend). */
  constructor(public handle: FileHandle) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const length = this.index;
    if (length === 0) return Promise.resolve();
    return this.writeOut(new Uint8Array(this.buffer, 0, length));
  }

  override finish(): Promise<void> {
    return this.flush();
  }

  private async writeOut(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    this.index = 0;
  }
}
