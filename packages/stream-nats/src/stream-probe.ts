/**
 * Questions the reader asks the stream itself (not its consumer) after a broker fault: is there a
 * message for our filter after the last one we processed, and were messages we never processed
 * removed by the stream's limits? The consumer's own state cannot answer them: a nats-server
 * killed without a clean shutdown may come back with the consumer's delivered pointer behind or
 * ahead of what the reader really received.
 */
import { EtlError } from '@etl/core';
import type { JetStreamManager } from '@nats-io/jetstream';

export class StreamProbe {
  constructor(
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly filterSubject: string | undefined,
  ) {}

  /** Sequence of the first message for the filter stored after `sequence`, or undefined. */
  async nextAfter(sequence: number): Promise<number | undefined> {
    const info = await this.jsm.streams.info(this.stream);
    if (info.state.last_seq <= sequence) return undefined;
    if (this.filterSubject === undefined) return Math.max(sequence + 1, info.state.first_seq);
    // nats-server 2.9 answers `next_by_subj`; the client's types only list the older forms.
    const query = { seq: sequence + 1, next_by_subj: this.filterSubject } as unknown as { seq: number };
    const found = await this.jsm.streams.getMessage(this.stream, query);
    return found?.seq;
  }

  /**
   * Throws when messages after `sequence` (the last one processed) are no longer in the stream:
   * its limits (age, size, count) removed them before they were read, so they cannot be
   * delivered any more. With a subject filter the removed messages may have been on other
   * subjects; the stream cannot tell any more, so this fails rather than guess.
   */
  async assertNotRemovedAfter(sequence: number): Promise<void> {
    const first = await this.firstSequence();
    if (first > sequence + 1) {
      const range = first - 1 === sequence + 1 ? `${sequence + 1}` : `${sequence + 1}-${first - 1}`;
      throw new EtlError(
        `JetStream stream ${this.stream}: messages at sequence ${range} were removed by the stream's limits (max age, size or count) before they were processed; they cannot be delivered any more, so the output would have a hole after sequence ${sequence}. The stream now starts at sequence ${first}; replay the missing messages from their source.`,
        'E_STREAM_GAP',
      );
    }
  }

  private async firstSequence(): Promise<number> {
    // Errors (timeouts while the server restarts) go to the caller, which retries.
    return (await this.jsm.streams.info(this.stream)).state.first_seq;
  }
}
