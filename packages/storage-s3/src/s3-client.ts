/**
 * An S3 client configured from the standard AWS environment (SPEC section 6): credentials,
 * region and profile as the SDK reads them, `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` for an
 * S3-compatible server, which then gets path-style addressing.
 */
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** Where to read the AWS variables. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The endpoint of an S3-compatible server from the environment, if one is set. */
export function customEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const env = options.env ?? process.env;
  // The SDK warns on every Node 20 process that later SDK releases will need Node 22; that is
  // about upgrading the SDK, not about anything the user ran, and must not reach CLI output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = customEndpoint(env);
  return new S3Client({
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // A custom endpoint without a region (a local server) still needs one to sign requests.
    ...(env.AWS_REGION || env.AWS_DEFAULT_REGION
      ? { region: env.AWS_REGION || env.AWS_DEFAULT_REGION }
      : endpoint
        ? { region: 'us-east-1' }
        : {}),
    ...(options.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    // S3-compatible servers (Swift, older MinIO) reject the SDK's default streaming checksums
    // ("aws-chunked is not supported"); checksums are sent where the API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
