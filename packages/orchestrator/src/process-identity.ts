/**
 * Who holds a segment claim, precisely enough to tell a live holder from a dead one. A pid alone
 * is not enough: after a crash the pid may be reused by an unrelated process, which would make a
 * stranded segment look owned forever. On Linux the process start time (from /proc) is recorded
 * too, so a recycled pid does not match. A holder on another host cannot be checked at all; the
 * caller falls back to the age of the claim (see segment-claim.ts). Neither can a holder in another
 * PID namespace (containers sharing a volume, often with one host name): its pid means nothing
 * here, so the PID namespace and the boot id are recorded too and a holder whose namespace or
 * boot differs from ours is judged by the claim's age like one on another host.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** Start time of the process in clock ticks since boot (Linux); absent elsewhere. */
  readonly start?: string;
  /** PID namespace, `pid:[<inode>]` (Linux); absent elsewhere and in older claims. */
  readonly pidns?: string;
  /** Kernel boot id (Linux); absent elsewhere and in older claims. */
  readonly boot?: string;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Start time of `pid` from `/proc/<pid>/stat`, or undefined when unavailable. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are
    // fixed: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

/** This process. */
export function currentProcess(): ProcessIdentity {
  if (!self) {
    const start = processStartTime(process.pid);
    const pidns = pidNamespace();
    const boot = bootId();
    self = Object.freeze({
      pid: process.pid,
      host: hostname(),
      ...(start !== undefined ? { start } : {}),
      ...(pidns !== undefined ? { pidns } : {}),
      ...(boot !== undefined ? { boot } : {}),
    });
  }
  return self;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `true`/`false` when the holder's liveness can be decided on this host; `undefined` when it
 * cannot (another host).
 */
export function holderAlive(holder: ProcessIdentity): boolean | undefined {
  const me = currentProcess();
  if (holder.host !== me.host) return undefined;
  // Another PID namespace or another boot (or a host of the same name): its pid says nothing here.
  if (holder.pidns !== undefined && holder.pidns !== me.pidns) return undefined;
  if (holder.boot !== undefined && holder.boot !== me.boot) return undefined;
  if (!pidAlive(holder.pid)) return false;
  if (holder.start === undefined) return true;
  const start = holder.pid === me.pid ? me.start : processStartTime(holder.pid);
  // No /proc entry although the pid answers signals: keep the pid's word.
  return start === undefined || start === holder.start;
}

/** True when `holder` is this very process. */
export function isCurrentProcess(holder: ProcessIdentity): boolean {
  const me = currentProcess();
  return (
    holder.pid === me.pid &&
    holder.host === me.host &&
    holder.start === me.start &&
    holder.pidns === me.pidns &&
    holder.boot === me.boot
  );
}

/**
 * Parses a holder record; undefined for anything that is not one (an empty or torn file). A bare
 * pid (the format of earlier versions) is read as a process on this host.
 */
export function parseIdentity(text: string): ProcessIdentity | undefined {
  const trimmed = text.trim();
  if (/^\d{1,10}$/.test(trimmed)) return { pid: Number(trimmed), host: currentProcess().host };
  try {
    const v = JSON.parse(text) as Partial<ProcessIdentity>;
    if (!v || typeof v !== 'object' || !Number.isInteger(v.pid) || typeof v.host !== 'string')
      return undefined;
    return {
      pid: v.pid as number,
      host: v.host,
      ...(typeof v.start === 'string' ? { start: v.start } : {}),
      ...(typeof v.pidns === 'string' ? { pidns: v.pidns } : {}),
      ...(typeof v.boot === 'string' ? { boot: v.boot } : {}),
    };
  } catch {
    return undefined;
  }
}
