/**
 * The most recent trade ids of one product, bounded: a set for lookups plus a ring buffer that
 * evicts the oldest id once `capacity` ids are held. Coinbase repeats recent trades in the
 * snapshot it sends after every (re)subscribe, so a window of recent ids catches the repeats
 * without remembering every trade ever seen.
 */
export class RecentTradeIds {
  private readonly ids = new Set<string>();
  private readonly ring: string[] = [];
  /** Next slot to overwrite once the ring is full. */
  private head = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.ids.size;
  }

  /** True when `id` is remembered (a repeat); otherwise remembers it and returns false. */
  checkAndAdd(id: string): boolean {
    if (this.ids.has(id)) return true;
    if (this.ring.length < this.capacity) {
      this.ring.push(id);
    } else {
      this.ids.delete(this.ring[this.head]!);
      this.ring[this.head] = id;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    }
    this.ids.add(id);
    return false;
  }

  /** Remembered ids, oldest first. */
  toArray(): string[] {
    return this.ring.slice(this.head).concat(this.ring.slice(0, this.head));
  }
}
