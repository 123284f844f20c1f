/**
 * The memory all sessions of one writer may use for buffered rows. Column buffers grow by
 * doubling; before one grows past the budget, the partition holding the most memory (in any
 * session of the writer) is written as a row group and gives its memory back. A partition that
 * never fills a row group (a quiet product's trades) would otherwise hold its rows, and the
 * memory for them, until the end of the input.
 */

/** A partition's buffers, as the budget sees them. */
export interface BudgetedPartition {
  /** Bytes its column buffers hold. */
  readonly allocatedBytes: number;
  /** Rows waiting in them (0: nothing to write). */
  readonly buffered: number;
}

/** What a session offers the budget: its partitions, and a way to write one of them early. */
export interface BudgetedSession {
  /** Partitions that may be written now (none while the session is in the middle of a call). */
  releasable(): Iterable<BudgetedPartition>;
  /** Writes the partition's rows as a row group and shrinks its buffers. */
  release(partition: BudgetedPartition): Promise<void>;
}

export class BufferBudget {
  private allocated = 0;
  private readonly sessions = new Set<BudgetedSession>();

  constructor(readonly limitBytes: number) {}

  get allocatedBytes(): number {
    return this.allocated;
  }

  join(session: BudgetedSession): void {
    this.sessions.add(session);
  }

  leave(session: BudgetedSession): void {
    this.sessions.delete(session);
  }

  /** Records a change of allocated bytes (negative when buffers shrink). */
  account(deltaBytes: number): void {
    this.allocated += deltaBytes;
  }

  /** True when `moreBytes` would pass the limit. */
  exceededBy(moreBytes: number): boolean {
    return this.allocated + moreBytes > this.limitBytes;
  }

  /**
   * The partition holding the most memory among every session's releasable ones (`own` is the
   * asking session, whose partitions are always releasable), with its session.
   */
  largest(
    own: BudgetedSession,
    ownPartitions: Iterable<BudgetedPartition>,
  ): { session: BudgetedSession; partition: BudgetedPartition } | undefined {
    let best: { session: BudgetedSession; partition: BudgetedPartition } | undefined;
    const consider = (session: BudgetedSession, partitions: Iterable<BudgetedPartition>) => {
      for (const partition of partitions) {
        if (partition.buffered === 0) continue;
        if (!best || partition.allocatedBytes > best.partition.allocatedBytes) best = { session, partition };
      }
    };
    consider(own, ownPartitions);
    for (const session of this.sessions) if (session !== own) consider(session, session.releasable());
    return best;
  }
}
