/** Clients of a test server: a bucket to write into, a storage over a fresh prefix. */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../s3-client.js';
import { S3ObjectStorage } from '../s3-object-storage.js';
import { awsEnvironment, type SwiftServerInfo } from './swift-server.js';

/** Creates a bucket with a fresh name on the server and returns a storage over it. */
export async function createBucket(info: SwiftServerInfo, name?: string): Promise<S3ObjectStorage> {
  const client = createS3Client({ env: awsEnvironment(info) });
  const bucket = name ?? `etl-test-${randomBytes(5).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3ObjectStorage(bucket, '', { client });
}

/** The server a vitest globalSetup provided (see `test/swift-global-setup.ts`). */
export function swiftFromInjected(value: unknown): SwiftServerInfo {
  const info = value as SwiftServerInfo | undefined;
  if (!info?.endpoint) throw new Error('no Swift server was provided by the global setup');
  return info;
}
