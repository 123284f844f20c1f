import { randomBytes } from 'node:crypto';
import { testObjectStorage } from '@etl/core/testing/vitest';
import { inject } from 'vitest';
import { S3ObjectStorage } from './s3-object-storage.js';
import { createBucket } from './testing/swift-client.js';

const swift = inject('swift');
let bucket: Promise<S3ObjectStorage> | undefined;

testObjectStorage('S3ObjectStorage on Swift', {
  async create() {
    bucket ??= createBucket(swift);
    const { bucket: name, client } = await bucket;
    return new S3ObjectStorage(name, `conformance-${randomBytes(4).toString('hex')}/root`, { client });
  },
  async reopen(storage) {
    const s3 = storage as S3ObjectStorage;
    const { client } = await createBucket(swift);
    return new S3ObjectStorage(s3.bucket, s3.prefix, { client });
  },
});
