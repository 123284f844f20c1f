#!/usr/bin/env node
// First: V8 heap settings apply before the rest of the CLI allocates anything.
import './heap-tuning.js';
import { constants } from 'node:os';
import { main } from './main.js';

// `etl query ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// SIGINT/SIGTERM, in stages. First: the current segment finishes, then the run stops. Second
// (`run`/`watch`): the current segment is rolled back to ready/ with no output, unless its commit
// point was passed (then it finishes). Last: exit at once. Even that is safe: every step of a
// segment is crash-safe and the next run recovers (see @etl/orchestrator's README).
const argv = process.argv.slice(2);
const rollsBack = argv[0] === 'run' || argv[0] === 'watch';
const drain = new AbortController();
const rollback = new AbortController();
let interrupts = 0;
let stoppedBy: NodeJS.Signals | undefined;
const exitCodeOf = (sig: NodeJS.Signals): number => 128 + (constants.signals[sig] ?? 2);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts++;
    stoppedBy ??= sig;
    if (interrupts === 1) {
      process.stderr.write(
        `\netl: ${sig} received, finishing the current segment (again to ${rollsBack ? 'roll it back' : 'exit'})\n`,
      );
      drain.abort();
    } else if (interrupts === 2 && rollsBack) {
      process.stderr.write(
        `etl: ${sig} received again, rolling the current segment back (again to exit at once)\n`,
      );
      rollback.abort();
    } else process.exit(exitCodeOf(stoppedBy));
  });
}

/**
 * Exits once stdout and stderr have flushed: the command is done, and a handle a library left open
 * (a worker thread's port after a failed write) must not keep the process, and its exit code, waiting.
 */
function exitWith(code: number): void {
  process.exitCode = code;
  let open = 2;
  const flushed = () => {
    if (--open === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

main(argv, { stdout: process.stdout, stderr: process.stderr }, drain.signal, rollback.signal).then(
  (code) => {
    // A `run` stopped by a signal may have left segments in ready/: say so, unless one failed.
    // (A signal is how `watch` and the long-running commands end normally.)
    exitWith(argv[0] === 'run' && stoppedBy !== undefined && code === 0 ? exitCodeOf(stoppedBy) : code);
  },
  (error: unknown) => {
    process.stderr.write(`etl: ${(error as Error).stack ?? String(error)}\n`);
    exitWith(1);
  },
);
