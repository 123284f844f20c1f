/**
 * `etl query --output s3://bucket/prefix`: DuckDB reads S3 through its httpfs extension,
 * configured from the same AWS environment as the rest of the CLI (one S3 secret; path-style
 * with a custom endpoint). httpfs is downloaded by DuckDB on first INSTALL: when it is missing,
 * the command stops with one line saying how to install it (exit 2), instead of a DuckDB error.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, parseS3Url } from '@etl/core';
import { sqlString } from '../duckdb.js';
import { UsageError } from '../usage-error.js';
import { openStorage } from './run-object-storage.js';

const HTTPFS_MISSING =
  'etl query over s3:// needs DuckDB\'s httpfs extension, which is not installed here: install it once with: etl query "INSTALL httpfs"';

/** The S3 secret's options from the AWS environment (never printed). */
function secretOptions(env: NodeJS.ProcessEnv): string[] {
  const options = ['TYPE s3'];
  if (env.AWS_ACCESS_KEY_ID) options.push(`KEY_ID ${sqlString(env.AWS_ACCESS_KEY_ID)}`);
  if (env.AWS_SECRET_ACCESS_KEY) options.push(`SECRET ${sqlString(env.AWS_SECRET_ACCESS_KEY)}`);
  if (env.AWS_SESSION_TOKEN) options.push(`SESSION_TOKEN ${sqlString(env.AWS_SESSION_TOKEN)}`);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (region) options.push(`REGION ${sqlString(region)}`);
  if (endpoint) {
    const url = new URL(endpoint);
    options.push(
      `ENDPOINT ${sqlString(url.host)}`,
      "URL_STYLE 'path'",
      `USE_SSL ${url.protocol === 'https:'}`,
    );
    if (!region) options.push("REGION 'us-east-1'");
  } else if (!env.AWS_ACCESS_KEY_ID) options.push('PROVIDER credential_chain');
  return options;
}

/**
 * Loads httpfs, configures S3 and creates one view per dataset under `<output>/coinbase/`.
 * Returns the view names.
 */
export async function registerObjectStorageDatasets(
  connection: DuckDBConnection,
  output: string,
): Promise<string[]> {
  const target = parseS3Url(output);
  if (!target) throw new UsageError(`not an s3://bucket/prefix URL: ${output}`);
  try {
    await connection.run('LOAD httpfs');
  } catch {
    throw new UsageError(HTTPFS_MISSING);
  }
  try {
    await connection.run(`CREATE SECRET etl_s3 (${secretOptions(process.env).join(', ')})`);
  } catch (error) {
    // The statement holds the credentials: only DuckDB's reason is shown, never the statement.
    throw new UsageError(`could not configure DuckDB for S3: ${errorMessage(error).split('\n')[0]}`);
  }
  const root = target.prefix ? `${target.prefix}/coinbase` : 'coinbase';
  const storage = await openStorage(`s3://${target.bucket}/${root}`);
  const names = new Set<string>();
  for await (const object of storage.list('')) {
    const first = object.key.split('/')[0] as string;
    if (
      object.key.includes('/') &&
      !first.startsWith('_') &&
      !first.startsWith('.') &&
      object.key.endsWith('.parquet')
    )
      names.add(first);
  }
  if (names.size === 0)
    throw new UsageError(`no datasets under ${output}: pass --output <the s3:// prefix etl run wrote>`);
  for (const name of [...names].sort()) {
    const glob = `s3://${target.bucket}/${root}/${name}/**/*.parquet`;
    await connection.run(
      `CREATE VIEW "${name.replaceAll('"', '""')}" AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true)`,
    );
  }
  return [...names].sort();
}
