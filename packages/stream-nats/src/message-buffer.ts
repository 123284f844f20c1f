/**
 * A bounded hand-over between the consumer's message iterator (pushed by the library as messages
 * arrive) and the reader's batches (taken when the caller asks). The pump stops pulling while
 * the buffer is full, so memory stays bounded however slow the caller is.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

export class MessageBuffer {
  private readonly items: JsMsg[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private space: (() => void) | undefined;
  private ended = false;
  private closing = false;
  private failure: unknown;
  private readonly pumped: Promise<void>;

  constructor(
    private readonly messages: ConsumerMessages,
    private readonly capacity: number,
  ) {
    this.pumped = this.pump();
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** True once the iterator ended (closed, or failed: see {@link error}). */
  get done(): boolean {
    return this.ended;
  }

  get error(): unknown {
    return this.failure;
  }

  /** Takes up to `max` messages in stream order. */
  take(max: number): JsMsg[] {
    const end = Math.min(this.items.length, this.head + max);
    const out = this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    if (this.space && this.size < this.capacity) {
      const resume = this.space;
      this.space = undefined;
      resume();
    }
    return out;
  }

  /** Resolves when a message arrives, the iterator ends, `ms` pass, or `signal` aborts. */
  waitForMessages(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.size > 0 || this.ended || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        if (this.wake === finish) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      signal?.addEventListener('abort', finish, { once: true });
      this.wake = finish;
    });
  }

  /**
   * Stops pulling and returns every message received but not taken, in order (the library's own
   * buffer included), so the caller can hand them back to the server (nak) instead of leaving them
   * to wait out the ack wait.
   */
  async close(): Promise<JsMsg[]> {
    this.closing = true;
    const closed = this.messages.close().catch(() => undefined);
    this.space?.();
    await this.pumped;
    await closed;
    const rest = this.items.slice(this.head);
    this.items.length = 0;
    this.head = 0;
    return rest;
  }

  private async pump(): Promise<void> {
    try {
      for await (const m of this.messages) {
        this.items.push(m);
        this.wake?.();
        // While closing, drain without limit: what is left is handed back, not processed.
        if (!this.closing && this.size >= this.capacity)
          await new Promise<void>((resolve) => (this.space = resolve));
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }
}
