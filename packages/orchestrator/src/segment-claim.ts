/**
 * Claiming segments so that concurrent ETL processes never work on the same one.
 *
 * A claim is an owner file `.<segment>.owner.<generation>` in `processing/` that holds the
 * holder's identity (pid, host, process start time). It is created whole and exclusively: written
 * under a temporary name, then hard-linked to its final name, which fails when the name exists. So
 * an owner file is never empty or half-written, and of two processes creating the same generation
 * exactly one wins. The highest generation is the current claim.
 *
 * A stranded claim (its holder died) is never broken in place, which would race with a second
 * process breaking it at the same moment; it is superseded: the next generation is created, again
 * exclusively, so exactly one process takes the segment over.
 *
 * Liveness is decided by pid and start time on this host. A holder on another host (a shared
 * filesystem) cannot be checked: it refreshes its owner file's mtime while it works ({@link
 * SegmentClaim.touch}) and a claim untouched for `staleAfterMs` counts as dead. The same age rule
 * covers owner files that cannot be read (an older version's file, or a filesystem without hard
 * links where the file is created empty first), and holders in another PID namespace or boot
 * (see process-identity.ts).
 *
 * The owner file is named after the segment, shortened with a hash when the name is long (see
 * name-budget.ts); the segment's full name is in the file, so a shortened name maps back.
 *
 * In place (`inPlace`), nothing moves: the owner file alone is the claim, kept in a directory of
 * the caller's choosing (under the output), and the segment stays where it is.
 */

import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { temporarySuffix } from '@etl/core/internal';
import { fitName, isShortenedName } from './name-budget.js';
import {
  currentProcess,
  holderAlive,
  isCurrentProcess,
  parseIdentity,
  pidAlive,
} from './process-identity.js';

/** Default age after which a claim that cannot be checked by pid counts as dead. */
export const DEFAULT_CLAIM_STALE_MS = 10 * 60_000;

export interface ClaimOptions {
  /** Age (ms since the owner file's last touch) after which an uncheckable claim is stale. */
  readonly staleAfterMs?: number;
  /** Claim without moving the segment: `processingDir` then only holds the owner files. */
  readonly inPlace?: boolean;
}

/** A segment this process holds in `processing/`. */
export interface SegmentClaim {
  readonly name: string;
  /** The segment's path in `processing/`. */
  readonly path: string;
  readonly ownerFile: string;
  /** Refreshes the owner file's mtime, so holders on other hosts see the claim is alive. */
  touch(): Promise<void>;
  /** Gives the claim up (the segment file itself is not touched). */
  release(): Promise<void>;
}

/** State of a segment's current claim, as seen by this process. */
export type ClaimState = 'free' | 'self' | 'alive' | 'dead';

const OWNER_RE = /^\.(.+)\.owner(?:\.(\d{1,9}))?$/;
const OWNER_TEMP_RE = /^\..+\.owner\.\d{1,9}\.(\d+)-[0-9a-f]+\.tmp$/;

/** What an owner file's name adds to the segment name: `.`, `.owner.<generation>`, a temporary suffix. */
const OWNER_NAME_EXTRA_BYTES = 1 + '.owner.'.length + 9 + 24;

/** The segment's key in owner file names: its name, shortened when too long for NAME_MAX. */
function ownerKey(name: string): string {
  return fitName(name, OWNER_NAME_EXTRA_BYTES);
}

export function ownerFile(processingDir: string, name: string, generation = 1): string {
  return path.join(processingDir, `.${ownerKey(name)}.owner.${generation}`);
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Owner files in a processing directory: segment name → generations, highest first. */
async function listOwners(processingDir: string): Promise<Map<string, number[]>> {
  const byKey = await listOwnerKeys(processingDir);
  const out = new Map<string, number[]>();
  for (const [key, generations] of byKey) {
    const name = isShortenedName(key) ? await nameInOwnerFile(processingDir, key, generations) : key;
    out.set(name, generations);
  }
  return out;
}

/** The segment name a shortened owner file records (the key itself when none can be read). */
async function nameInOwnerFile(processingDir: string, key: string, generations: number[]): Promise<string> {
  for (const g of generations) {
    try {
      const v = JSON.parse(await readFile(ownerPathOfKey(processingDir, key, g), 'utf8')) as {
        segment?: unknown;
      };
      if (typeof v.segment === 'string' && ownerKey(v.segment) === key) return v.segment;
    } catch {
      // Gone or torn: try the next generation.
    }
  }
  return key;
}

/** Owner files in a processing directory: owner key → generations, highest first. */
async function listOwnerKeys(processingDir: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  let entries: string[];
  try {
    entries = await readdir(processingDir);
  } catch (error) {
    if (errno(error) === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries) {
    const m = OWNER_RE.exec(entry);
    if (!m) continue;
    const name = m[1]!;
    // The owner file of earlier versions, `.<name>.owner`, is generation 0.
    const generation = m[2] === undefined ? 0 : Number(m[2]);
    const list = out.get(name);
    if (list) list.push(generation);
    else out.set(name, [generation]);
  }
  for (const list of out.values()) list.sort((a, b) => b - a);
  return out;
}

function ownerPathOfKey(processingDir: string, key: string, generation: number): string {
  return path.join(processingDir, generation === 0 ? `.${key}.owner` : `.${key}.owner.${generation}`);
}

function ownerPath(processingDir: string, name: string, generation: number): string {
  return ownerPathOfKey(processingDir, ownerKey(name), generation);
}

/** Whether the holder recorded in `file` is this process, alive, dead, or gone (file removed). */
async function holderOf(file: string, staleAfterMs: number): Promise<ClaimState> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
  } catch (error) {
    if (errno(error) === 'ENOENT') return 'free';
    throw error;
  }
  const holder = parseIdentity(text);
  if (holder && isCurrentProcess(holder)) return 'self';
  const alive = holder ? holderAlive(holder) : undefined;
  if (alive !== undefined) return alive ? 'alive' : 'dead';
  return Date.now() - mtimeMs > staleAfterMs ? 'dead' : 'alive';
}

/** One attempt at creating `file` by hard-linking a finished temporary file. */
async function linkExclusive(file: string, content: string): Promise<boolean | 'retry' | 'unsupported'> {
  const tmp = `${file}${temporarySuffix()}`;
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (error) {
    const code = errno(error);
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') return 'retry';
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    return 'unsupported';
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * Creates `file` with `content` unless it exists; true when this call created it. The content is
 * complete the moment the name appears (hard link of a finished temporary file).
 */
async function createExclusive(file: string, content: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const linked = await linkExclusive(file, content);
    if (linked !== 'retry') {
      if (linked !== 'unsupported') return linked;
      break;
    }
    // The temporary vanished before the link: a sweeper in another PID namespace took our pid
    // for a dead one. Write it again.
    if (attempt >= 5) throw new Error(`${file}: its temporary file keeps disappearing`);
  }
  // No hard links on this filesystem: exclusive create, then write. A crash in between leaves an
  // empty owner file, which the age rule treats as stale.
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

function claimOf(name: string, segmentPath: string, owner: string): SegmentClaim {
  return {
    name,
    path: segmentPath,
    ownerFile: owner,
    async touch() {
      const now = new Date();
      await utimes(owner, now, now).catch(() => {});
    },
    async release() {
      await unlink(owner).catch(() => {});
    },
  };
}

/**
 * Claims `name` from `readyDir` (or a leftover in `processingDir` whose holder died) for this
 * process; undefined when another live process holds it or the segment is gone.
 */
export async function claimSegment(
  readyDir: string,
  processingDir: string,
  name: string,
  options: ClaimOptions = {},
): Promise<SegmentClaim | undefined> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_CLAIM_STALE_MS;
  await mkdir(processingDir, { recursive: true });
  const generations = (await listOwnerKeys(processingDir)).get(ownerKey(name)) ?? [];
  const top = generations[0];
  if (top !== undefined) {
    const state = await holderOf(ownerPath(processingDir, name, top), staleAfterMs);
    if (state === 'alive' || state === 'self') return undefined;
  }
  const generation = (top ?? 0) + 1;
  const owner = ownerFile(processingDir, name, generation);
  if (!(await createExclusive(owner, JSON.stringify({ ...currentProcess(), segment: name }))))
    return undefined;
  // Every older generation is a dead claim: tidy them away.
  for (const g of generations) await unlink(ownerPath(processingDir, name, g)).catch(() => {});
  if (options.inPlace) {
    const source = path.join(readyDir, name);
    const claim = claimOf(name, source, owner);
    if (await exists(source)) return claim;
    await claim.release();
    return undefined;
  }
  const target = path.join(processingDir, name);
  const claim = claimOf(name, target, owner);
  try {
    await rename(path.join(readyDir, name), target);
    return claim;
  } catch (error) {
    if (errno(error) !== 'ENOENT') {
      await claim.release();
      throw error;
    }
  }
  if (await exists(target)) return claim; // a leftover of a crashed run
  await claim.release();
  return undefined;
}

/** Removes every owner file of `name` that this process holds. */
export async function releaseSegment(processingDir: string, name: string): Promise<void> {
  for (const g of (await listOwnerKeys(processingDir)).get(ownerKey(name)) ?? []) {
    const file = ownerPath(processingDir, name, g);
    if ((await holderOf(file, Number.POSITIVE_INFINITY)) === 'self') await unlink(file).catch(() => {});
  }
}

/** State of the current claim of each segment that has one. */
export async function claimStates(
  processingDir: string,
  options: ClaimOptions = {},
): Promise<Map<string, ClaimState>> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_CLAIM_STALE_MS;
  const out = new Map<string, ClaimState>();
  for (const [name, generations] of await listOwners(processingDir)) {
    out.set(name, await holderOf(ownerPath(processingDir, name, generations[0]!), staleAfterMs));
  }
  return out;
}

/**
 * Removes what dead claimers left that nobody will supersede: owner files of dead holders whose
 * segment is no longer in `processing/` (finished or moved away before the claim was released),
 * and temporary owner files of dead processes. Returns how many files were removed.
 */
export async function sweepClaims(processingDir: string, options: ClaimOptions = {}): Promise<number> {
  let removed = 0;
  let entries: string[];
  try {
    entries = await readdir(processingDir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const m = OWNER_TEMP_RE.exec(entry);
    if (m && !pidAlive(Number(m[1]))) {
      // Its pid may mean another process in another PID namespace: that creator then retries.
      await unlink(path.join(processingDir, entry)).catch(() => {});
      removed++;
    }
  }
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_CLAIM_STALE_MS;
  for (const [name, generations] of await listOwners(processingDir)) {
    const top = generations[0]!;
    if ((await holderOf(ownerPath(processingDir, name, top), staleAfterMs)) !== 'dead') continue;
    if (await exists(path.join(processingDir, name))) continue;
    // Only generations up to the dead one: a claimer may be creating the next one right now.
    for (const g of generations) {
      await unlink(ownerPath(processingDir, name, g)).catch(() => {});
      removed++;
    }
  }
  return removed;
}

/**
 * True when a live claim in `processingDir` is held by a process whose pid cannot be checked from
 * here (another PID namespace, boot or host): such a process may be writing temporaries whose pid
 * means nothing in this namespace.
 */
export async function foreignClaimHeld(processingDir: string, options: ClaimOptions = {}): Promise<boolean> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_CLAIM_STALE_MS;
  for (const [key, generations] of await listOwnerKeys(processingDir)) {
    const file = ownerPathOfKey(processingDir, key, generations[0]!);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const holder = text === undefined ? undefined : parseIdentity(text);
    if (!holder || holderAlive(holder) !== undefined) continue;
    if ((await holderOf(file, staleAfterMs)) === 'alive') return true;
  }
  return false;
}
