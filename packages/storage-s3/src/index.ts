export type { S3ClientOptions } from './s3-client.js';
export { createS3Client, customEndpoint } from './s3-client.js';
export { S3StorageError } from './s3-errors.js';
export type { S3ObjectStorageOptions } from './s3-object-storage.js';
export { S3ObjectStorage } from './s3-object-storage.js';
