/**
 * One `etl run` at a time per object-storage input. Object stores here have no conditional PUT,
 * so a lease cannot be taken atomically: a run writes `lease.json` (who, until when), renews it,
 * and a second run that finds a live lease refuses with exit 2 and points to `etl enqueue` /
 * `etl worker`, which coordinate many processes through Redis. A lease whose holder is dead on
 * this host, or that expired (its holder stopped renewing it), is taken over. Two runs started
 * within the same second can both write the lease: the one that reads back another's lease after
 * writing its own steps back (last writer wins).
 */
import { randomBytes } from 'node:crypto';
import { EtlError, type ObjectStorage } from '@etl/core';
import { readJson } from './object-storage-commit.js';
import { currentProcess, holderAlive, type ProcessIdentity } from './process-identity.js';

const LEASE_KEY = 'lease.json';
const LEASE_MS = 120_000;
const RENEW_MS = 30_000;
/** How long a writer waits before reading its lease back, for a racing writer's PUT to land. */
const SETTLE_MS = 1_000;

interface Lease {
  readonly id: string;
  readonly holder: ProcessIdentity;
  readonly input: string;
  readonly expiresAt: string;
}

/** Another live run holds the input: a usage error (exit 2), nothing was touched. */
export class InputLeaseHeldError extends EtlError {
  constructor(message: string) {
    super(message, 'E_LEASE');
  }
}

export class InputLease {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly storage: ObjectStorage,
    private lease: Lease,
  ) {}

  /** Takes the lease of `input` in `storage`, or throws a ConfigError naming the live holder. */
  static async acquire(storage: ObjectStorage, input: string): Promise<InputLease> {
    const held = await readJson<Lease>(storage, LEASE_KEY).catch(() => undefined);
    if (held) refuseIfLive(held, input);
    const lease: Lease = {
      id: randomBytes(8).toString('hex'),
      holder: currentProcess(),
      input,
      expiresAt: new Date(Date.now() + LEASE_MS).toISOString(),
    };
    await storage.put(LEASE_KEY, Buffer.from(JSON.stringify(lease)));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const now = await readJson<Lease>(storage, LEASE_KEY);
    if (now && now.id !== lease.id) refuseIfLive(now, input);
    const taken = new InputLease(storage, lease);
    taken.timer = setInterval(() => void taken.renew(), RENEW_MS);
    taken.timer.unref();
    return taken;
  }

  private async renew(): Promise<void> {
    this.lease = { ...this.lease, expiresAt: new Date(Date.now() + LEASE_MS).toISOString() };
    await this.storage.put(LEASE_KEY, Buffer.from(JSON.stringify(this.lease))).catch(() => undefined);
  }

  /** Gives the lease up (deletes it if it is still ours). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    const now = await readJson<Lease>(this.storage, LEASE_KEY).catch(() => undefined);
    if (now?.id === this.lease.id) await this.storage.delete(LEASE_KEY);
  }
}

function refuseIfLive(lease: Lease, input: string): void {
  const alive = holderAlive(lease.holder);
  if (alive === false) return;
  if (alive === undefined && Date.parse(lease.expiresAt) < Date.now()) return;
  throw new InputLeaseHeldError(
    `${input} is being converted by another etl run (pid ${lease.holder.pid} on ${lease.holder.host}, ` +
      `lease until ${lease.expiresAt}); to convert one object-storage input with several processes, ` +
      'use etl enqueue and etl worker',
  );
}
