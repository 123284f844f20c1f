/**
 * Delays between reconnect attempts: exponential, capped, with "equal jitter" (half fixed, half
 * random) so that many collectors cut off together do not reconnect in lockstep, while each still
 * waits at least half the nominal delay.
 */
export interface ReconnectBackoffOptions {
  /** First delay in ms (default 500). */
  readonly initialDelayMs?: number;
  /** Largest delay in ms (default 30 000). */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1) (tests). */
  readonly random?: () => number;
}

export class ReconnectBackoff {
  private attempts = 0;
  private readonly initial: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(options: ReconnectBackoffOptions = {}) {
    this.initial = Math.max(0, options.initialDelayMs ?? 500);
    this.max = Math.max(this.initial, options.maxDelayMs ?? 30_000);
    this.random = options.random ?? Math.random;
  }

  /** Attempts since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt, in ms. */
  next(): number {
    const nominal = Math.min(this.max, this.initial * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return nominal / 2 + this.random() * (nominal / 2);
  }

  /** A connection proved healthy: start again from the first delay. */
  reset(): void {
    this.attempts = 0;
  }
}
