/**
 * Worker thread entry: encodes and compresses row groups and writes them to file descriptors the
 * session's thread opened. Requests are handled strictly in arrival order, so the row groups of a
 * file land in the order they were sent.
 */
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ByteWriter } from 'hyparquet-writer';
import { transferablesOf } from './column-chunk.js';
import { prepareCompression } from './compression.js';
import type { EncodeReply, EncodeRequest } from './encode-protocol.js';
import { type FileEncodingSpec, ParquetFileEncoder } from './parquet-file-encoder.js';

/**
 * Bytes on their way to a file, shared by every file: the worker encodes for one file at a time
 * and each sink flushes before the next one writes, so one buffer (grown to the largest row
 * group) serves them all instead of one per open file.
 */
let sharedBuffer = new ArrayBuffer(1 << 20);

/** hyparquet Writer that writes what the encoder appended to a descriptor on every flush. */
class DescriptorSink extends ByteWriter {
  constructor(public fd: number) {
    super(0);
    this.adopt();
  }

  /** Takes the shared buffer (empty: every flush leaves nothing behind). */
  adopt(): void {
    this.buffer = sharedBuffer;
    this.view = new DataView(sharedBuffer);
    this.index = 0;
  }

  override ensure(size: number): void {
    super.ensure(size);
    // A grown buffer replaces the shared one, so the next file starts with the larger size.
    sharedBuffer = this.buffer;
  }

  flush(): void {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

interface OpenFile {
  readonly specId: number;
  readonly sink: DescriptorSink;
  readonly encoder: ParquetFileEncoder;
  failure: string | undefined;
}

const files = new Map<number, OpenFile>();

/** One copy of each spec in use, with the number of open files using it. */
const specs = new Map<number, { readonly spec: FileEncodingSpec; files: number }>();

function useSpec(id: number, posted: FileEncodingSpec): FileEncodingSpec {
  let entry = specs.get(id);
  if (!entry) specs.set(id, (entry = { spec: posted, files: 0 }));
  entry.files++;
  return entry.spec;
}

function forget(id: number): void {
  const file = files.get(id);
  if (!file) return;
  files.delete(id);
  const entry = specs.get(file.specId);
  if (entry && --entry.files === 0) specs.delete(file.specId);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function handle(request: EncodeRequest): Promise<EncodeReply> {
  const { seq } = request;
  if (request.op === 'open') {
    await prepareCompression(request.spec.compression);
    const spec = useSpec(request.specId, request.spec);
    const sink = new DescriptorSink(request.fd);
    const encoder = new ParquetFileEncoder(sink, spec);
    try {
      // The encoder wrote the magic bytes: out with them before another file takes the buffer.
      sink.flush();
    } catch (error) {
      return { seq, error: errorText(error) };
    }
    files.set(request.file, { specId: request.specId, sink, encoder, failure: undefined });
    return { seq };
  }
  const file = files.get(request.file);
  if (request.op === 'drop') {
    forget(request.file);
    return { seq };
  }
  if (!file) return { seq, error: `no open file #${request.file}` };
  // After a failure the file is broken: refuse the rest instead of writing a corrupt file.
  if (file.failure !== undefined) return { seq, error: file.failure };
  if (request.op === 'descriptor') {
    file.sink.fd = request.fd;
    return { seq };
  }
  file.sink.adopt();
  try {
    if (request.op === 'rows') {
      file.encoder.writeRowGroup(request.chunks, request.rows);
      file.sink.flush();
      return { seq, buffers: transferablesOf(request.chunks) };
    }
    file.encoder.finish();
    file.sink.finish();
    forget(request.file);
    return { seq, bytes: file.sink.offset };
  } catch (error) {
    file.failure = errorText(error);
    return { seq, error: file.failure };
  }
}

const port = parentPort;
if (port) {
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: EncodeRequest) => {
    queue = queue.then(async () => {
      let reply: EncodeReply;
      try {
        reply = await handle(request);
      } catch (error) {
        reply = { seq: request.seq, error: errorText(error) };
      }
      port.postMessage(reply, reply.buffers ?? []);
    });
  });
}
