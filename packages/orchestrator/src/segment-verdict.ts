/**
 * What may happen to a converted segment's input, decided before its output is committed: a
 * segment is deleted only when every line that carried data is in the output (as rows, or whole
 * in the quarantine). Otherwise it fails (kept in failed/ with a report saying why) or, when
 * lines of datasets the user chose not to write are in it, it is kept in done/.
 */
import { EtlError, type Source, type SourceRecord } from '@etl/core';
import { ScannedLevel2Frame } from '@etl/processors-coinbase';

/** The two Coinbase feeds, told apart to hint at the right `--source` when a segment fails. */
type CoinbaseFeed = 'coinbase' | 'coinbase-exchange';

const EXCHANGE_TYPES = new Set([
  'snapshot',
  'l2update',
  'match',
  'last_match',
  'ticker',
  'heartbeat',
  'subscriptions',
  'received',
  'open',
  'done',
  'change',
  'status',
]);
/** Records looked at to tell the feeds apart: the first ones of a segment. */
const SNIFFED_RECORDS = 64;

/**
 * Tells from a segment's first records which feed it holds: Advanced Trade frames carry a
 * `channel`, legacy Exchange-feed messages a `type` such as `snapshot` and no `channel`.
 */
export class FeedSniffer {
  exchange = 0;
  advancedTrade = 0;
  private seen = 0;

  observe(batch: readonly SourceRecord[]): void {
    for (let i = 0; i < batch.length && this.seen < SNIFFED_RECORDS; i++, this.seen++) {
      const value = batch[i]!.value;
      if (value instanceof ScannedLevel2Frame) {
        this.advancedTrade++;
        continue;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
      let frame = value as Record<string, unknown>;
      // The collector's envelope: {capture_ts, data, metadata}.
      const data = frame.data;
      if (!('channel' in frame) && !('type' in frame) && data && typeof data === 'object') {
        frame = data as Record<string, unknown>;
      }
      if (typeof frame.channel === 'string') this.advancedTrade++;
      else if (typeof frame.type === 'string' && EXCHANGE_TYPES.has(frame.type)) this.exchange++;
    }
  }

  /** The feed most of the sniffed records belong to, if any. */
  get feed(): CoinbaseFeed | undefined {
    if (this.exchange > this.advancedTrade) return 'coinbase-exchange';
    if (this.advancedTrade > this.exchange) return 'coinbase';
    return undefined;
  }
}

export interface SegmentEvidence {
  /** The input as the user named it (its ready/ path). */
  readonly input: string;
  /** The source the segment was converted with: which input channels fill which dataset. */
  readonly source: Source;
  /** Non-blank lines read. */
  readonly lines: number;
  readonly quarantinedLines: number;
  /** Lines longer than the reader's bound (only their head reached the quarantine). */
  readonly cutLines: number;
  readonly firstCutLine: number | undefined;
  /** Messages the feed parser accepted, by channel (Advanced Trade) or type (Exchange feed). */
  readonly messages: Readonly<Record<string, number>>;
  /** Rows written per dataset (in finished files). */
  readonly rowsWritten: Readonly<Record<string, number>>;
  /** Is this built-in dataset written by this run (enabled and selected)? */
  readonly written: (dataset: string) => boolean;
  readonly feed: CoinbaseFeed | undefined;
}

export type SegmentVerdict =
  | { readonly kind: 'delete' }
  /**
   * Converted, but not all of it is in the output (lines of unwritten datasets, lines too long to
   * quarantine whole): keep the input in done/.
   */
  | { readonly kind: 'keep'; readonly reason: string; readonly skippedLines: Record<string, number> };

/** A segment that must not be committed: nothing of it is written, its input goes to failed/. */
export class UnusableSegmentError extends EtlError {
  constructor(message: string) {
    super(message, 'E_SEGMENT_UNUSABLE');
  }
}

const list = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([channel, n]) => `${channel}: ${n}`)
    .join(', ');

const FEED_HINT: Record<CoinbaseFeed, string> = {
  'coinbase-exchange':
    'it looks like the legacy Coinbase Exchange feed (messages with a "type" such as snapshot, l2update, match, ticker or heartbeat and no "channel"); convert it with --source coinbase-exchange (config key etl.source: coinbase-exchange)',
  coinbase:
    'it looks like the Coinbase Advanced Trade feed (messages with a "channel"); convert it with --source coinbase, the default (config key etl.source: coinbase)',
};

/**
 * Decides what happens to a converted segment's input; throws {@link UnusableSegmentError} when
 * the segment must fail instead of being committed.
 */
export function judgeSegment(e: SegmentEvidence): SegmentVerdict {
  const where = `${e.input}:`;
  // Only between the two Coinbase feeds: another source's lines may look like either.
  const coinbase = e.source.name === 'coinbase' || e.source.name === 'coinbase-exchange';
  const wrongFeed =
    coinbase && e.feed !== undefined && e.feed !== e.source.name ? `; ${FEED_HINT[e.feed]}` : '';
  if (e.lines > 0 && e.quarantinedLines >= e.lines) {
    throw new UnusableSegmentError(
      `${where} all ${e.lines} lines were quarantined, nothing was converted${wrongFeed || ' (see the log for the reasons)'}`,
    );
  }
  const dataLines: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  for (const [channel, n] of Object.entries(e.messages)) {
    const dataset = e.source.datasetOfInput(channel);
    if (dataset === undefined || n === 0) continue;
    dataLines[channel] = n;
    if (!e.written(dataset)) skipped[channel] = n;
  }
  const rows = Object.entries(e.rowsWritten).reduce((sum, [d, n]) => (d === 'quality' ? sum : sum + n), 0);
  if (Object.keys(dataLines).length > 0 && rows === 0) {
    const why =
      Object.keys(skipped).length === Object.keys(dataLines).length
        ? `its data lines (${list(dataLines)}) are all of datasets this run does not write (see --channels and the channel config)`
        : `it holds data lines (${list(dataLines)}) but no row was written`;
    throw new UnusableSegmentError(`${where} nothing was converted: ${why}${wrongFeed}`);
  }
  const reasons: string[] = [];
  if (Object.keys(skipped).length > 0)
    reasons.push(`lines of datasets this run does not write were not converted (${list(skipped)})`);
  // The rest of the segment converts, but the quarantine holds only the head of such a line.
  if (e.cutLines > 0)
    reasons.push(
      `${e.cutLines} line(s) longer than the reader's line bound (the first is line ${e.firstCutLine}) are only partly in the quarantine`,
    );
  if (reasons.length > 0) {
    return {
      kind: 'keep',
      reason: `${reasons.join('; ')}; the input is kept in done/ instead of being deleted`,
      skippedLines: skipped,
    };
  }
  return { kind: 'delete' };
}
