import { describe, expect, inject, it } from 'vitest';
import { createS3Client } from './s3-client.js';
import { S3ObjectStorage } from './s3-object-storage.js';
import { createBucket } from './testing/swift-client.js';
import { awsEnvironment } from './testing/swift-server.js';

const swift = inject('swift');

describe('S3 errors', () => {
  it('name the object and the cause, never a credential', async () => {
    const { bucket } = await createBucket(swift);
    const secret = 'not-the-secret-8f3a9c';
    const client = createS3Client({ env: { ...awsEnvironment(swift), AWS_SECRET_ACCESS_KEY: secret } });
    const storage = new S3ObjectStorage(bucket, 'in', { client });
    const error = await storage
      .stat('a.ndjson')
      .then(() => storage.put('a.ndjson', new Uint8Array(1)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const text = `${(error as Error).message}\n${JSON.stringify(error)}\n${(error as Error).stack}`;
    expect((error as Error).message).toMatch(new RegExp(`^cannot (stat|write) s3://${bucket}/in/a.ndjson: `));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('Signature=');
  });

  it('say when the bucket does not exist', async () => {
    const { client } = await createBucket(swift);
    const storage = new S3ObjectStorage('no-such-bucket-here', '', { client });
    await expect(storage.read('x.ndjson')[Symbol.asyncIterator]().next()).rejects.toThrow(
      'cannot read s3://no-such-bucket-here/x.ndjson: the bucket does not exist',
    );
  });

  it('read a missing object as an error naming it', async () => {
    const storage = await createBucket(swift);
    await expect(storage.readRange('gone.parquet', 0, 4)).rejects.toThrow(
      `cannot read s3://${storage.bucket}/gone.parquet: no such object`,
    );
  });
});
