/**
 * Book and trade state flows from each segment to the next, so a segment waits while another
 * process converts an earlier one (see job.ts).
 */
import type { Logger } from '@etl/core';
import { sleep } from '@etl/core/internal';
import { pathExists } from './file-tree.js';
import { type ClaimOptions, claimStates } from './segment-claim.js';
import { isSegmentFile } from './segment-id.js';

export interface EarlierSegmentsOptions {
  readonly processingDir: string;
  readonly claimOptions: ClaimOptions;
  /** Where a claimed segment lies (processing/, or the input when converting in place). */
  readonly claimedPath: (name: string) => string;
  /** Segments this run already tried: a stranded one of them is not retried. */
  readonly attempted: ReadonlySet<string>;
  readonly signal?: AbortSignal;
  readonly rollbackSignal?: AbortSignal;
  /** How often to look again (ms, default 200). */
  readonly waitPollMs?: number;
  readonly logger: Logger;
}

/**
 * 'go' once no live process holds an earlier segment; 'retry' when an earlier segment was
 * stranded meanwhile (its holder died): the run loop claims that one first.
 */
export async function waitForEarlierSegments(
  name: string,
  options: EarlierSegmentsOptions,
): Promise<'go' | 'retry' | 'interrupted'> {
  const { signal, rollbackSignal } = options;
  let logged = false;
  for (;;) {
    if (signal?.aborted || rollbackSignal?.aborted) return 'interrupted';
    let blocker: string | undefined;
    for (const [other, state] of await claimStates(options.processingDir, options.claimOptions)) {
      if (other >= name || !isSegmentFile(other)) continue;
      // 'self': another job of this process (each job holds one claim at a time).
      if (state === 'alive' || state === 'self') blocker = other;
      else if (
        state === 'dead' &&
        !options.attempted.has(other) &&
        (await pathExists(options.claimedPath(other)))
      )
        return 'retry';
    }
    if (blocker === undefined) return 'go';
    if (!logged) {
      options.logger.info('waiting for an earlier segment another process is converting', {
        segment: name,
        earlier: blocker,
      });
      logged = true;
    }
    await sleep(options.waitPollMs ?? 200, signal, rollbackSignal);
  }
}
