/**
 * What the strace-based durability tests share: the built CLI and strace paths, and the file
 * system calls of an `strace -f -y` log in the order they took effect.
 */
import path from 'node:path';

export const DIST_BIN = path.resolve(import.meta.dirname, '../dist/bin.js');
export const STRACE = '/usr/bin/strace';

export type Event =
  | { kind: 'fsync'; path: string; at: number }
  | { kind: 'rename'; from: string; to: string; at: number }
  | { kind: 'unlink'; path: string; at: number };

/**
 * The fsync, rename and unlink calls of an `strace -f -y -s 4096` log, in order. A call split into
 * `<unfinished ...>` and `<... resumed>` lines counts where it started for renames and unlinks
 * (the earliest it can take effect) and where it returned for fsyncs (when it is done).
 */
export function parseTrace(text: string): Event[] {
  const events: Event[] = [];
  const pending = new Map<string, string>(); // pid → start of an unfinished call
  const lines = text.split('\n');
  const quoted = (s: string) => [...s.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d+)\s+(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    let call = rest;
    let startedAt = i;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid!, `${rest.slice(0, -'<unfinished ...>'.length)}|${i}`);
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(rest);
    if (resumed) {
      const start = pending.get(pid!);
      pending.delete(pid!);
      if (!start) continue;
      const bar = start.lastIndexOf('|');
      call = start.slice(0, bar).trimEnd() + resumed[2];
      startedAt = Number(start.slice(bar + 1));
    }
    const name = /^(\w+)\(/.exec(call)?.[1];
    if (!name || !/= 0/.test(call.slice(call.lastIndexOf(')')))) continue; // failed calls do nothing
    if (name === 'fsync' || name === 'fdatasync') {
      const fd = /^\w+\(\d+<(.*)>\)/.exec(call);
      if (fd) events.push({ kind: 'fsync', path: fd[1]!, at: i });
    } else if (name.startsWith('rename')) {
      const [from, to] = quoted(call);
      events.push({ kind: 'rename', from: from!, to: to!, at: startedAt });
    } else if (name.startsWith('unlink')) {
      events.push({ kind: 'unlink', path: quoted(call)[0]!, at: startedAt });
    }
  }
  return events;
}

/** True when `file` was fsynced (and the fsync returned) before event number `at`. */
export const fsyncedBefore = (events: Event[], file: string, at: number) =>
  events.some((e) => e.kind === 'fsync' && e.path === file && e.at < at);
