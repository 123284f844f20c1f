/**
 * Entry for fault-injection tests: runs the CLI with every filesystem call that changes something
 * counted, and kills the process with SIGKILL right before the N-th one (`ETL_CRASH_OP=N`), so a
 * test can crash `etl run` at an exact step (between a manifest and its renames, before the input
 * is removed, ...). `ETL_OPS_LOG=<file>` records the counted calls, one per line.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const crashAt = Number(process.env.ETL_CRASH_OP ?? 0);
const log = process.env.ETL_OPS_LOG;
const MUTATING = [
  'rename',
  'unlink',
  'writeFile',
  'appendFile',
  'mkdir',
  'link',
  'rm',
  'rmdir',
  'copyFile',
  'utimes',
  'open',
];
let count = 0;

function writes(flags: unknown): boolean {
  if (typeof flags === 'string') return /[wax+]/.test(flags);
  if (typeof flags === 'number')
    return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0;
  return false;
}

const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
for (const name of MUTATING) {
  const original = promises[name]!;
  promises[name] = function (this: unknown, ...args: unknown[]) {
    if (name !== 'open' || writes(args[1])) {
      count++;
      if (log) {
        const target = name === 'rename' || name === 'link' ? `\t${String(args[1])}` : '';
        fs.appendFileSync(log, `${count}\t${name}\t${String(args[0])}${target}\n`);
      }
      if (count === crashAt) process.kill(process.pid, 'SIGKILL');
    }
    return original.apply(this, args);
  };
}
// Named imports of node:fs/promises in the code under test see the wrapped functions from now on.
syncBuiltinESMExports();
await import('../src/bin.js');
