/**
 * What {@link AdvancedTradeLineScanner} makes of a line it recognises: the values the JSON path
 * would compute from `JSON.parse(line)`, read straight from the bytes. A frame is only made when
 * every check the JSON path applies passes (timestamps parse, prices are decimals, ...), so
 * `RawParser` turns it into exactly the rows of the JSON path without looking back at the text.
 */

/** A parsed timestamp with its partition keys; shared by every update that repeats it. */
export interface ScannedTime {
  readonly ns: bigint;
  /** `'YYYY-MM-DD'` (UTC) of {@link ns}. */
  readonly date: string;
  /** `'0'`–`'23'` (UTC, unpadded) of {@link ns}. */
  readonly hour: string;
}

/**
 * One `l2_data` event. Update i has side `sides[i]` (`'bid'` or `'offer'`), event time
 * `times[i]`, price `values[2i]` and new quantity `values[2i + 1]` (an array of doubles only,
 * which V8 keeps unboxed).
 */
export interface ScannedLevel2Event {
  readonly type: 'snapshot' | 'update';
  readonly productId: string;
  readonly sides: string[];
  readonly times: ScannedTime[];
  readonly values: number[];
}

export class ScannedLevel2Frame {
  constructor(
    /** The envelope's `capture_ts` (ns); null for a bare frame. */
    readonly captureTimestamp: bigint | null,
    /** The message's `timestamp`, from 1971 on. */
    readonly server: ScannedTime,
    readonly clientId: string | null,
    /** A JSON integer of at most 15 digits. */
    readonly sequenceNum: number,
    /** At least one update in all. */
    readonly events: readonly ScannedLevel2Event[],
  ) {}
}
