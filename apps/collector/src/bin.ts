#!/usr/bin/env node
import { collectorMain } from './cli.js';

// The first SIGINT/SIGTERM stops cleanly (the open segment is closed into ready/); a second exits.
const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(
      `\netl-collector: ${sig} received, closing the connection and the open segment (again to abort)\n`,
    );
    controller.abort();
  });
}

collectorMain(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  controller.signal,
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`etl-collector: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
