/**
 * S3 failures as one sentence naming the operation and the object. The SDK's errors carry the
 * request (headers with the signature, the credential scope) in their metadata: only the error
 * name and message are kept, so no credential can reach a log, a report or `--json` output.
 */
import { EtlError } from '@etl/core';

export class S3StorageError extends EtlError {
  constructor(message: string, options?: { status?: number }) {
    super(message, 'E_S3');
    this.name = 'S3StorageError';
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Whether the server said the object, upload or bucket does not exist. */
export function isNotFound(error: unknown): boolean {
  const e = error as SdkError | undefined;
  const name = e?.name ?? e?.Code;
  return (
    name === 'NotFound' ||
    name === 'NoSuchKey' ||
    name === 'NoSuchUpload' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

const HINTS: Record<string, string> = {
  NoSuchBucket: 'the bucket does not exist',
  NoSuchKey: 'no such object',
  NotFound: 'no such object',
  AccessDenied: 'access denied (check AWS_ACCESS_KEY_ID / AWS_PROFILE)',
  InvalidAccessKeyId: 'the access key is not known to the server (check AWS_ACCESS_KEY_ID / AWS_PROFILE)',
  SignatureDoesNotMatch: 'the secret key does not match the access key (check AWS_SECRET_ACCESS_KEY)',
  CredentialsProviderError:
    'no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)',
};

/** `cannot <what> s3://bucket/key: <reason>`, without anything of the request. */
export function describeS3Error(error: unknown, what: string, url: string): S3StorageError {
  if (error instanceof S3StorageError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? e.Code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const reason =
    HINTS[name] ??
    (name === 'NoSuchUpload'
      ? 'no such multipart upload'
      : `${name}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== name ? `: ${firstLine(e.message)}` : ''}`);
  const network = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = network === 'ECONNREFUSED' ? 'connection refused (is AWS_ENDPOINT_URL_S3 right?)' : reason;
  return new S3StorageError(`cannot ${what} ${url}: ${detail}`, status === undefined ? {} : { status });
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.slice(0, 300) ?? '';
}
