import { createRequire } from 'node:module';

// Resolved relative to this file, so it finds the same package.json from src/ and from dist/.
const manifest = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** `@etl/writer-parquet@<version>`, as recorded in every file's `etl.writer` metadata. */
export const WRITER_ID = `${manifest.name}@${manifest.version}`;

/** Parquet `created_by`, in the `<app> version <semver>` form readers parse. */
export const CREATED_BY = `${manifest.name} version ${manifest.version}`;
