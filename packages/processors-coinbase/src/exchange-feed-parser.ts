/**
 * The legacy Coinbase Exchange (Pro) WebSocket feed — `snapshot`, `l2update`, `match`/`last_match`,
 * `ticker`, `heartbeat`, `subscriptions` — parsed into the same row contract as {@link RawParser},
 * so the same processors, datasets and queries serve both feeds: a new source plugs in as a
 * parser, nothing downstream changes. The field mapping and its reasons are in the README.
 */
import {
  ConfigError,
  type Logger,
  type Processor,
  type QuarantineSink,
  type Row,
  type Schema,
  type SourceRecord,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { unwrapEnvelope } from './envelope.js';
import {
  productIdOf,
  pushL2UpdateRows,
  pushSnapshotRows,
  tickerRow,
  tradeRow,
} from './exchange-feed-frames.js';
import {
  datasetOfName,
  datasetOfType,
  EXCHANGE_SCHEMAS,
  type ExchangeDataset,
  exchangeControlRow,
  isLiveType,
} from './exchange-feed-messages.js';
import { MessageContext, show } from './message-context.js';
import { ParserQuarantine } from './parser-quarantine.js';
import { feedParserStats } from './parser-stats.js';
import { CONTROL_CHANNEL } from './rows.js';
import { NS_1971, TimestampCache } from './timestamp-cache.js';

export interface ExchangeFeedParserOptions {
  /**
   * Emit only this dataset's rows (and no control rows): `level2`, `market_trades` or `ticker`,
   * or the Exchange channel name (`matches` for trades).
   */
  readonly channel?: string;
  /** Where unusable messages go; without one they are only counted and logged. */
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
}

const UNKNOWN_TYPE_NAMES = 50;

/** How a message's time was found. */
const EXACT = 0;
const FROM_CAPTURE = 1;
const FROM_CLOCK = 2;
const UNKNOWN = 3;

/** A message held until the input shows its first time (bare frames without any time yet). */
interface HeldMessage {
  readonly record: SourceRecord;
  readonly rows: Row[];
  readonly data: boolean;
  /** Its rows have no time of their own and take the first one found. */
  readonly untimed: boolean;
}

/**
 * `Processor<SourceRecord, Row>` for the Exchange feed: `record.value` is one parsed line, a bare
 * Exchange message or the collector envelope `{capture_ts, data, metadata}` around one. Rows come
 * out in input order. A record that is not a usable message is quarantined whole; a usable one
 * with bad entries keeps its good rows and is quarantined once with every reason.
 */
export class ExchangeFeedParser implements Processor<SourceRecord, Row> {
  readonly name = 'ExchangeFeedParser';
  private readonly wanted: ExchangeDataset | undefined;
  private readonly quarantined: ParserQuarantine;
  private readonly logger: Logger;
  private readonly ctx = new MessageContext();
  private readonly capture = new TimestampCache();
  private readonly counts = new StatsCollector('ExchangeFeedParser');
  private readonly messages = new Map<string, number>();
  private readonly unknownTypes = new Set<string>();
  private readonly datasetRows = { level2: 0, market_trades: 0, ticker: 0 };
  private controlRows = 0;
  private badEntries = 0;
  private skipped = 0;
  /** The latest live exchange time seen (ns), the fallback for messages without one; -1n before any. */
  private clock = -1n;
  private readonly releaseTime = new TimestampCache();
  /** Why the current message's `time` was unusable (empty when it was fine or absent). */
  private timeProblem = '';
  private readonly held: HeldMessage[] = [];

  constructor(options: ExchangeFeedParserOptions = {}) {
    if (options.channel !== undefined) {
      this.wanted = datasetOfName(options.channel);
      if (!this.wanted) {
        throw new ConfigError(
          'channel',
          `unknown channel ${show(options.channel)} (use level2, market_trades, matches or ticker)`,
        );
      }
    }
    this.logger = options.logger ?? silentLogger;
    this.quarantined = new ParserQuarantine('coinbase-exchange', this.logger, options.quarantine);
  }

  /** The dataset's raw schema when `channel` is set; undefined when rows of every shape are emitted. */
  outputSchema(): Schema | undefined {
    return this.wanted ? EXCHANGE_SCHEMAS[this.wanted] : undefined;
  }

  process(batch: readonly SourceRecord[]): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < batch.length; i++) this.parseRecord(batch[i]!, out);
    this.counts.recordsIn += batch.length;
    this.counts.recordsOut += out.length;
    return out;
  }

  /**
   * Messages still waiting for a time (the input never showed one) are given up: their data rows
   * cannot be partitioned, so each is quarantined; their control rows are emitted.
   */
  flush(): Row[] {
    const out: Row[] = [];
    for (const m of this.held) {
      if (m.data) {
        this.reject(
          m.record,
          'no time: the message has none, the line has no envelope capture_ts, and no message of the input carries one',
        );
        for (const row of m.rows) if (row.channel === CONTROL_CHANNEL) out.push(row);
      } else out.push(...m.rows);
    }
    this.held.length = 0;
    this.counts.recordsOut += out.length;
    return out;
  }

  stats(): Stats {
    const { messages, datasetRows, controlRows, badEntries, skipped } = this;
    return feedParserStats(this.counts.snapshot(), {
      messages,
      datasetRows,
      controlRows,
      badEntries,
      skipped,
    });
  }

  private parseRecord(record: SourceRecord, out: Row[]): void {
    const ctx = this.ctx;
    ctx.begin(record.file, record.line);
    const frame = unwrapEnvelope(record.value, 'type', this.capture, ctx);
    if (typeof frame === 'string') {
      this.reject(record, frame);
      return;
    }
    const type = frame.type;
    if (typeof type !== 'string' || type === '') {
      this.reject(
        record,
        frame.channel !== undefined
          ? `no "type" but a "channel" (${show(frame.channel)}): an Advanced Trade frame? Parse it with RawParser({ source: 'coinbase' })`
          : `type is missing or not a non-empty string (${show(type)})`,
      );
      return;
    }
    ctx.channel = type;
    const timing = this.resolveTime(frame.time, isLiveType(type));
    // Messages that came before the input showed any live time wait for the first one, in order.
    if (this.held.length > 0 && (this.clock >= 0n || ctx.captureTimestamp !== null)) this.release(out);
    const dataset = datasetOfType(type);
    if (this.wanted !== undefined && dataset !== this.wanted) {
      this.skipped++;
      return;
    }
    this.messages.set(type, (this.messages.get(type) ?? 0) + 1);
    const wait = timing === UNKNOWN || this.held.length > 0;
    const target = wait ? [] : out;
    if (timing === UNKNOWN)
      ctx.server.setNs(0n); // placeholder, replaced on release
    else if (timing !== EXACT) {
      this.counts.count(timing === FROM_CAPTURE ? 'time_from_capture' : 'time_from_clock');
    }
    if (dataset === undefined) this.controlMessage(type, frame, timing, target);
    else this.dataMessage(dataset, type, frame, timing, target);
    if (wait && target.length > 0) {
      this.held.push({ record, rows: target, data: dataset !== undefined, untimed: timing === UNKNOWN });
      this.counts.count('messages_held_for_time');
    }
    if (ctx.reasons.length > 0) {
      this.badEntries += ctx.droppedEntries;
      this.reject(record, ctx.describe());
    }
  }

  /**
   * Puts the message's time in `ctx.server`: its own `time` when valid (and not before 1971: the
   * feed has sent `0001-01-01`), else the envelope's capture time, else the latest live time of the
   * input. Returns how it was found; `timeProblem` says why a `time` that was sent was not used.
   */
  private resolveTime(time: unknown, live: boolean): number {
    const server = this.ctx.server;
    this.timeProblem = '';
    if (time !== undefined && time !== null) {
      if (typeof time !== 'string') this.timeProblem = `time is not a string: ${show(time)}`;
      else if (!server.parse(time)) this.timeProblem = `time ${show(time)} is invalid (${server.reason})`;
      else if (server.ns < NS_1971) this.timeProblem = `time ${show(time)} is before 1971`;
      else {
        if (live && server.ns > this.clock) this.clock = server.ns;
        return EXACT;
      }
    }
    const captured = this.ctx.captureTimestamp;
    if (captured !== null) {
      server.setNs(captured);
      return FROM_CAPTURE;
    }
    if (this.clock >= 0n) {
      server.setNs(this.clock);
      return FROM_CLOCK;
    }
    return UNKNOWN;
  }

  private dataMessage(
    dataset: ExchangeDataset,
    type: string,
    frame: Record<string, unknown>,
    timing: number,
    out: Row[],
  ): void {
    const ctx = this.ctx;
    const productId = productIdOf(ctx, frame);
    if (productId === undefined) return;
    const exact = timing === EXACT ? ctx.server.ns : null;
    const start = out.length;
    switch (type) {
      case 'snapshot':
      case 'l2update':
        // A level2 message is kept even without a usable time: dropping it would corrupt the book.
        if (this.timeProblem) ctx.reject(`${this.timeProblem}; the message time falls back (README)`);
        if (type === 'snapshot') pushSnapshotRows(ctx, frame, productId, exact, out);
        else pushL2UpdateRows(ctx, frame, productId, exact, out);
        if (ctx.droppedLevel2.length > 0 && this.wanted === undefined) {
          // The order book must learn that it missed entries (see RawParser).
          const marker = exchangeControlRow(type, frame, ctx.server.ns, ctx.captureTimestamp);
          out.push({ ...marker, level2_lost: [...ctx.droppedLevel2] });
          this.controlRows++;
        }
        break;
      case 'match':
      case 'last_match': {
        // The trade's own time is required: a made-up one would misplace it in bars and books.
        if (timing !== EXACT) {
          ctx.drop(this.timeProblem || 'time is missing (a trade needs its own time)');
          return;
        }
        const row = tradeRow(ctx, frame, productId, type === 'last_match');
        if (row) out.push(row);
        break;
      }
      default:
        if (this.timeProblem) ctx.reject(`${this.timeProblem}; the message time falls back (README)`);
        out.push(tickerRow(ctx, frame, productId));
    }
    this.datasetRows[dataset] += out.length - start;
  }

  /** heartbeat, subscriptions, error, status and unknown types: one control row each. */
  private controlMessage(type: string, frame: Record<string, unknown>, timing: number, out: Row[]): void {
    const ctx = this.ctx;
    if (this.timeProblem) ctx.reject(this.timeProblem);
    const row = exchangeControlRow(
      type,
      frame,
      timing === EXACT ? ctx.server.ns : null,
      ctx.captureTimestamp,
    );
    if (type === 'heartbeat') this.counts.count('heartbeats');
    else if (type === 'subscriptions') this.counts.count('subscriptions');
    else if (type === 'error') {
      this.counts.count('exchange_errors');
      this.logger.warn(`coinbase-exchange: error message at ${ctx.file}:${ctx.line}: ${show(row.message)}`);
    } else this.unknownType(type);
    out.push(row);
    this.controlRows++;
  }

  /** Emits the held messages; the untimed ones take the time just found (the clock, else this line's capture time). */
  private release(out: Row[]): void {
    const time = this.releaseTime;
    const fromClock = this.clock >= 0n;
    time.setNs(fromClock ? this.clock : (this.ctx.captureTimestamp as bigint));
    for (const m of this.held) {
      for (const row of m.rows) {
        if (m.untimed && (row.channel !== CONTROL_CHANNEL || row.level2_lost !== undefined)) {
          row.server_timestamp = time.ns;
          row.date = time.date;
          row.hour = time.hour;
        }
        out.push(row);
      }
      if (m.untimed) this.counts.count(fromClock ? 'time_from_clock' : 'time_from_capture');
    }
    this.held.length = 0;
  }

  private unknownType(type: string): void {
    const known = this.unknownTypes.has(type);
    if (!known && this.unknownTypes.size >= UNKNOWN_TYPE_NAMES) {
      this.counts.count('unknown_type:<other>');
      return;
    }
    this.counts.count(`unknown_type:${type}`);
    if (known) return;
    this.unknownTypes.add(type);
    this.logger.warn(
      `coinbase-exchange: unknown message type ${show(type)} (first seen at ${this.ctx.file}:${this.ctx.line})`,
    );
  }

  /** Quarantines the record with `reason`, counted as an error. */
  private reject(record: SourceRecord, reason: string): void {
    this.counts.errors++;
    this.quarantined.put(record, reason);
  }
}
