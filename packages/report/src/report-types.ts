/**
 * The figures of a data-quality report, as `buildReport` returns them and `etl report --json`
 * prints them. Times are ISO 8601 UTC strings with every nanosecond digit; chart series use epoch
 * seconds (the unit chart libraries take). Names are snake_case so the JSON reads like the datasets.
 */

export interface ReportOptions {
  /** The directory `etl run --output` wrote (or its `coinbase/` directory). */
  readonly output: string;
  /** One UTC date, `YYYY-MM-DD` (or use `startDate` and `endDate`). Default: every date. */
  readonly date?: string;
  readonly startDate?: string;
  readonly endDate?: string;
  /** Only these products. Default: every product in the datasets. */
  readonly products?: readonly string[];
  /** The `ready/` directory the job read: its `failed/` sibling is searched for failed segments too. */
  readonly inputDir?: string;
  /** DuckDB's memory limit; beyond it, sorts and windows spill to a temporary directory. Default `1GB`. */
  readonly memoryLimit?: string;
}

/** A span of time, both ends inclusive of the rows that define it. */
export interface TimeSpan {
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
}

/** Rows of one dataset for one product and day, by minute of their time column. */
export interface DatasetCoverage {
  readonly dataset: string;
  /** The column the rows are placed in time by (`server_timestamp`, `time` for trades, ...). */
  readonly time_column: string;
  readonly rows: number;
  readonly first: string;
  readonly last: string;
  /** Minutes (UTC, whole minutes) holding at least one row. */
  readonly minutes_with_data: number;
  /** Minutes between the first and the last row's minute holding none. */
  readonly empty_minutes: number;
  /** Minutes of the whole UTC day holding none (before the first row and after the last too). */
  readonly minutes_without_data: number;
  /** Runs of consecutive empty minutes (from the first empty minute's start to the end of the last). */
  readonly empty_spans: readonly TimeSpan[];
  /** Rows per minute: `minute` in epoch seconds (start of the minute), only minutes with rows. */
  readonly per_minute: { readonly minute: readonly number[]; readonly rows: readonly number[] };
}

/** One row of the `quality` dataset that concerns the product (or the whole connection). */
export interface QualityEvent {
  readonly kind: string;
  /** null: connection-wide (a sequence gap or reconnect affects every product of the connection). */
  readonly product_id: string | null;
  readonly sequence_from: number | null;
  readonly sequence_to: number | null;
  readonly time_from: string | null;
  readonly time_to: string | null;
  readonly detail: string | null;
}

/**
 * A span during which the book could not be trusted: from the message before an invalidating
 * event (gap, reconnect, stale checkpoint, invalid level) or the first message leaving
 * `book_valid` false, to the product's next valid message. Overlapping causes are merged.
 */
export interface InvalidSpan extends TimeSpan {
  /** A valid message followed within the day (`to` is its time); otherwise `to` is the day's last message. */
  readonly recovered: boolean;
  /** What made it invalid: event kinds and/or `book_valid false`. */
  readonly causes: readonly string[];
}

export interface BookHealth {
  /** Distinct message times (level2 rows of one message share a time). */
  readonly messages: number;
  /**
   * Share of the time between the first and the last level2 message of the day outside every
   * invalid span; null when the day holds a single instant.
   */
  readonly valid_share: number | null;
  readonly valid_seconds: number;
  readonly observed_seconds: number;
  readonly invalid_spans: readonly InvalidSpan[];
  /** Quality events of the day: this product's and the connection-wide ones, in time order. */
  readonly events: readonly QualityEvent[];
  readonly event_counts: Readonly<Record<string, number>>;
  /** `crossed_book` events: messages that left the book crossed and were repaired by the policy. */
  readonly crossed_book_repairs: number;
}

export interface MarketPicture {
  /** One point per second with level2 rows: the last valid mid and spread in that second (null while invalid). */
  readonly seconds: {
    readonly t: readonly number[];
    readonly mid: readonly (number | null)[];
    readonly spread_bps: readonly (number | null)[];
  };
  readonly mid: {
    readonly first: number | null;
    readonly last: number | null;
    readonly min: number | null;
    readonly max: number | null;
  };
  readonly spread_bps: { readonly median: number | null; readonly max: number | null };
  /** Trade volume (base units) per minute by the taker's side; `unknown` when the aggressor is undecided. */
  readonly trades_per_minute: {
    readonly minute: readonly number[];
    readonly buy: readonly number[];
    readonly sell: readonly number[];
    readonly unknown: readonly number[];
  };
  readonly trades: {
    readonly count: number;
    readonly volume: number;
    readonly buy_volume: number;
    readonly sell_volume: number;
    readonly unknown_volume: number;
    readonly notional: number;
  };
}

export interface ProductDayReport {
  readonly product_id: string;
  readonly date: string;
  readonly coverage: readonly DatasetCoverage[];
  /** null when the day has no level2 rows with `book_valid` (no book was reconstructed). */
  readonly book: BookHealth | null;
  readonly market: MarketPicture;
}

export interface SegmentHealth {
  readonly segment: string;
  readonly committed_at: string | null;
  /** false: committed but not yet published (a run was interrupted; the next run finishes it). */
  readonly published: boolean;
  readonly lines: number | null;
  readonly quarantined_lines: number;
  readonly quarantined_rows: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly dates: readonly string[];
}

export interface QuarantineReason {
  readonly stage: string;
  /** The reason with quoted values and numbers replaced by `…`, so alike lines group together. */
  readonly reason: string;
  readonly count: number;
  /** One such line: where it is, and its reason as written. */
  readonly example: { readonly file: string; readonly line: number | null; readonly reason: string };
}

export interface FailedSegment {
  readonly segment: string;
  readonly failed_at: string | null;
  readonly error: string;
  readonly code: string | null;
  /** Where the error report is. */
  readonly report: string;
}

export interface InputHealth {
  readonly segments: readonly SegmentHealth[];
  readonly totals: {
    readonly segments: number;
    readonly lines: number;
    readonly quarantined_lines: number;
    readonly quarantined_rows: number;
    readonly failed_segments: number;
  };
  readonly quarantine_reasons: readonly QuarantineReason[];
  readonly failed: readonly FailedSegment[];
  /** Where failed segments were looked for. */
  readonly failed_dirs: readonly string[];
}

export interface QualityReport {
  readonly version: 1;
  /** The dataset root that was read (`<output>/coinbase`). */
  readonly root: string;
  readonly generated_at: string;
  readonly dates: { readonly start: string | null; readonly end: string | null };
  readonly products: readonly string[] | null;
  /** One per product and date with rows in any dataset, ordered by date then product. */
  readonly days: readonly ProductDayReport[];
  /** Segments that wrote rows of the selected dates (all segments without a date selection). */
  readonly input: InputHealth;
}
