#!/usr/bin/env node
import { main } from './main.js';

// `etl query ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The first SIGINT/SIGTERM lets the current segment finish (or roll back) cleanly; a second one exits.
const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\netl: ${sig} received, finishing the current segment (again to abort)\n`);
    controller.abort();
  });
}

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, controller.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`etl: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
