/**
 * The storage seam over an S3-compatible bucket. A staged upload is a multipart upload: its parts
 * are stored by the server but no object exists under the key until CompleteMultipartUpload,
 * which is atomic; ListMultipartUploads finds what a killed run left, AbortMultipartUpload
 * discards it. No conditional write is needed (Swift's s3api has none).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  checkObjectKey,
  type ObjectStorage,
  type ObjectUpload,
  type PendingUpload,
  parseS3Url,
  type SealedUpload,
  type StoredObject,
} from '@etl/core';
import { createS3Client, type S3ClientOptions } from './s3-client.js';
import { describeS3Error, isNotFound, S3StorageError } from './s3-errors.js';

/** S3's smallest part but the last is 5 MiB; larger parts mean fewer requests. */
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3ObjectStorageOptions extends S3ClientOptions {
  /** A client to use instead of one made from the environment. */
  readonly client?: S3Client;
  /** Bytes per multipart part (at least 5 MiB): an open upload holds at most one part in memory. */
  readonly partSize?: number;
}

export class S3ObjectStorage implements ObjectStorage {
  readonly location: string;
  readonly client: S3Client;
  private readonly partSize: number;

  constructor(
    readonly bucket: string,
    readonly prefix: string,
    options: S3ObjectStorageOptions = {},
  ) {
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    this.location = `s3://${bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client = options.client ?? createS3Client(options);
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
  }

  /** A storage over `s3://bucket/prefix`. */
  static fromUrl(url: string, options: S3ObjectStorageOptions = {}): S3ObjectStorage {
    const parsed = parseS3Url(url);
    if (!parsed) throw new S3StorageError(`not an s3://bucket/prefix URL: ${url}`);
    return new S3ObjectStorage(parsed.bucket, parsed.prefix, options);
  }

  /** The bucket key of a storage key. */
  objectKey(key: string): string {
    checkObjectKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private listPrefix(prefix: string): string {
    return this.prefix ? `${this.prefix}/${prefix}` : prefix;
  }

  private storageKey(objectKey: string): string {
    return this.prefix ? objectKey.slice(this.prefix.length + 1) : objectKey;
  }

  private async send<T>(what: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw describeS3Error(error, what, `s3://${this.bucket}/${key}`);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const Prefix = this.listPrefix(prefix);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.send('list', Prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key.endsWith('/')) continue;
        yield { key: this.storageKey(object.Key), size: object.Size ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const Key = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { key, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw describeS3Error(error, 'stat', `s3://${this.bucket}/${Key}`);
    }
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    const Key = this.objectKey(key);
    const response = await this.send('read', Key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key })),
    );
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (!body) return;
    try {
      // The HTTP stream's backpressure bounds memory: only what the consumer has not taken yet.
      for await (const chunk of body) yield chunk;
    } finally {
      body.destroy?.();
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const Key = this.objectKey(key);
    if (end <= start) {
      if (!(await this.stat(key)))
        throw new S3StorageError(`cannot read s3://${this.bucket}/${Key}: no such object`);
      return new Uint8Array(0);
    }
    const response = await this.send('read', Key, () =>
      this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${start}-${end - 1}` }),
      ),
    );
    const bytes = await response.Body?.transformToByteArray();
    if (!bytes || bytes.byteLength !== end - start) {
      throw new S3StorageError(
        `s3://${this.bucket}/${Key}: byte range [${start}, ${end}) gave ${bytes?.byteLength ?? 0} bytes`,
      );
    }
    return bytes;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    await this.send('write', Key, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes })),
    );
  }

  async upload(key: string): Promise<ObjectUpload> {
    const Key = this.objectKey(key);
    const created = await this.send('start an upload of', Key, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })),
    );
    if (!created.UploadId)
      throw new S3StorageError(`s3://${this.bucket}/${Key}: the server gave no upload id`);
    return new S3Upload(this, key, Key, created.UploadId, this.partSize);
  }

  /** Sends one part of an upload; used by {@link S3Upload}. */
  async uploadPart(Key: string, UploadId: string, PartNumber: number, Body: Uint8Array): Promise<string> {
    const sent = await this.send('upload a part of', Key, () =>
      this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body })),
    );
    if (!sent.ETag) throw new S3StorageError(`s3://${this.bucket}/${Key}: part ${PartNumber} has no ETag`);
    return sent.ETag;
  }

  async complete(sealed: SealedUpload): Promise<void> {
    const Key = this.objectKey(sealed.key);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId: sealed.uploadId,
          MultipartUpload: { Parts: sealed.parts.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
        }),
      );
    } catch (error) {
      // Completed before, by this or a killed process: the object is there with its size.
      if (isNotFound(error) && (await this.stat(sealed.key))?.size === sealed.size) return;
      throw describeS3Error(error, 'complete the upload of', `s3://${this.bucket}/${Key}`);
    }
  }

  async *pendingUploads(prefix: string): AsyncIterable<PendingUpload> {
    const Prefix = this.listPrefix(prefix);
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.send('list the uploads under', Prefix, () =>
        this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix, KeyMarker, UploadIdMarker }),
        ),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId)
          yield { key: this.storageKey(upload.Key), uploadId: upload.UploadId };
      }
      if (!page.IsTruncated) return;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async abortUpload(pending: PendingUpload): Promise<void> {
    const Key = this.objectKey(pending.key);
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: pending.uploadId }),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw describeS3Error(error, 'abort the upload of', `s3://${this.bucket}/${Key}`);
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.objectKey(fromKey);
    const Key = this.objectKey(toKey);
    const CopySource = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    await this.send('copy', from, () =>
      this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key, CopySource })),
    );
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.send('delete', Key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })),
    );
  }
}

/** Buffers at most one part; each full part is sent before `write` resolves. */
class S3Upload implements ObjectUpload {
  private buffer: Uint8Array;
  private filled = 0;
  private size = 0;
  private readonly parts: { number: number; etag: string }[] = [];
  private done = false;

  constructor(
    private readonly storage: S3ObjectStorage,
    readonly key: string,
    private readonly objectKey: string,
    readonly uploadId: string,
    private readonly partSize: number,
  ) {
    this.buffer = new Uint8Array(0);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new S3StorageError(`upload of ${this.key} is already sealed or aborted`);
    if (this.buffer.byteLength === 0 && chunk.byteLength > 0) this.buffer = new Uint8Array(this.partSize);
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(chunk.byteLength - at, this.partSize - this.filled);
      this.buffer.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.partSize) await this.sendPart();
    }
    this.size += chunk.byteLength;
  }

  private async sendPart(): Promise<void> {
    const number = this.parts.length + 1;
    const etag = await this.storage.uploadPart(
      this.objectKey,
      this.uploadId,
      number,
      this.buffer.subarray(0, this.filled),
    );
    this.parts.push({ number, etag });
    this.filled = 0;
  }

  async seal(): Promise<SealedUpload> {
    if (this.done) throw new S3StorageError(`upload of ${this.key} is already sealed or aborted`);
    // The last part may be short; an empty object is one empty part.
    if (this.filled > 0 || this.parts.length === 0) await this.sendPart();
    this.done = true;
    this.buffer = new Uint8Array(0);
    return { key: this.key, uploadId: this.uploadId, parts: [...this.parts], size: this.size };
  }

  async abort(): Promise<void> {
    this.done = true;
    this.buffer = new Uint8Array(0);
    await this.storage.abortUpload({ key: this.key, uploadId: this.uploadId });
  }
}
