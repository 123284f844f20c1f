import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * What a temporary name adds to the name it stands in for: `.<pid>-<8 hex>.tmp`. The pid lets
 * recovery tell a live writer's temporaries from a dead one's; `.tmp` last keeps every
 * `*.parquet`/`*.json` glob from seeing a half-written file.
 */
export function temporarySuffix(): string {
  return `.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Hidden temporary name beside `file`: `.<name>.<pid>-<8 hex>.tmp`, in the final directory so the
 * rename into place is atomic, a dot first so readers that skip dot-files skip it. Every writer
 * and commit of the toolkit names its temporaries this way, so recovery recognises them all.
 */
export function temporaryPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${temporarySuffix()}`);
}
