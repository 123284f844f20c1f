/**
 * Turns Coinbase Advanced Trade messages (collector envelopes or bare frames) into flat typed rows,
 * in one pass and in input order: the row contract of this package (see `rows.ts` and the README).
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
import { pushCandleRows, pushLevel2Rows, pushTickerRows, pushTradeRows } from './advanced-trade-frames.js';
import { controlRow, errorRow, heartbeatRow, parseCounter, subscriptionsRow } from './control-frames.js';
import {
  type CoinbaseDataset,
  datasetForChannel,
  datasetForName,
  schemaForDataset,
} from './dataset-channels.js';
import { unwrapEnvelope } from './envelope.js';
import { compileLevel2RowFactory } from './level2-row-factory.js';
import { MessageContext, show } from './message-context.js';
import { ParserQuarantine } from './parser-quarantine.js';
import { feedParserStats } from './parser-stats.js';
import type { MarketTradeRow } from './rows.js';
import { ScannedLevel2Frame } from './scanned-frames.js';
import { pushScannedLevel2Rows } from './scanned-level2-rows.js';
import { NS_1971, TimestampCache } from './timestamp-cache.js';

export interface RawParserOptions {
  /** The capture's source; only `'coinbase'` (Advanced Trade) is understood. */
  readonly source: 'coinbase';
  /**
   * Emit only this dataset's rows (and no control rows): a dataset name (`level2`,
   * `market_trades`, `ticker`, `candles`) or a Coinbase channel name (`l2_data`, `ticker_batch`).
   * Messages of other channels are skipped without being checked.
   */
  readonly channel?: string;
  /** Where unusable messages go; without one they are only counted and logged. */
  readonly quarantine?: QuarantineSink;
  readonly logger?: Logger;
  /**
   * Columns a later stage adds to every level2 row (a `Level2Processor`'s book columns): level2
   * rows are created with them, null, so filling them in is a plain store instead of growing
   * every row (about 6 % faster on a full segment run). Rows are otherwise unchanged.
   */
  readonly level2Columns?: readonly string[];
}

/** Distinct unknown channel names counted separately; more are counted together. */
const UNKNOWN_CHANNEL_NAMES = 50;

/**
 * `Processor<SourceRecord, Row>`: `record.value` is the parsed JSON of one line, or what
 * {@link AdvancedTradeLineScanner} made of it (a {@link ScannedLevel2Frame}: same rows, faster,
 * with this JSON path as the fallback for anything out of the ordinary). A record that is
 * not a usable message (not an object, channel/timestamp/events missing or of the wrong type, bad
 * timestamp or sequence number) is quarantined whole. A usable message with bad entries keeps its
 * good rows and is quarantined once with every reason (see `advanced-trade-frames.ts` for which
 * fields drop an entry and which only become null).
 */
export class RawParser implements Processor<SourceRecord, Row> {
  readonly name = 'RawParser';
  private readonly wanted: CoinbaseDataset | undefined;
  private readonly quarantined: ParserQuarantine;
  private readonly logger: Logger;
  private readonly ctx = new MessageContext();
  private readonly capture = new TimestampCache();
  private readonly trades: MarketTradeRow[] = [];
  private readonly counts = new StatsCollector('RawParser');
  private readonly messages = new Map<string, number>();
  private readonly unknownChannels = new Set<string>();
  private readonly datasetRows = { level2: 0, market_trades: 0, ticker: 0, candles: 0 };
  private controlRows = 0;
  private badEntries = 0;
  private skipped = 0;

  constructor(options: RawParserOptions) {
    if (options?.source !== 'coinbase') {
      throw new ConfigError('source', `RawParser understands only 'coinbase', got ${show(options?.source)}`);
    }
    if (options.level2Columns) this.ctx.level2Row = compileLevel2RowFactory(options.level2Columns);
    if (options.channel !== undefined) {
      this.wanted = datasetForName(options.channel);
      if (!this.wanted) {
        throw new ConfigError(
          'channel',
          `unknown channel ${show(options.channel)} (use level2, l2_data, market_trades, ticker, ticker_batch or candles)`,
        );
      }
    }
    this.logger = options.logger ?? silentLogger;
    this.quarantined = new ParserQuarantine('coinbase', this.logger, options.quarantine);
  }

  /** The dataset's raw schema when `channel` is set; undefined when rows of every shape are emitted. */
  outputSchema(): Schema | undefined {
    return this.wanted ? schemaForDataset(this.wanted) : undefined;
  }

  process(batch: readonly SourceRecord[]): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < batch.length; i++) this.parseRecord(batch[i]!, out);
    this.counts.recordsIn += batch.length;
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
    const value = record.value;
    if (value instanceof ScannedLevel2Frame) {
      this.parseScannedLevel2(record, value, out);
      return;
    }
    const ctx = this.ctx;
    ctx.begin(record.file, record.line);
    const frame = unwrapEnvelope(record.value, 'channel', this.capture, ctx);
    if (typeof frame === 'string') {
      this.reject(record, frame);
      return;
    }
    const channel = frame.channel;
    if (channel === undefined && frame.type === 'error') {
      this.exchangeError(record, frame, out);
      return;
    }
    if (typeof channel !== 'string' || channel === '') {
      this.reject(record, `channel is missing or not a non-empty string (${show(channel)})`);
      return;
    }
    const dataset = datasetForChannel(channel);
    if (this.wanted !== undefined && dataset !== this.wanted) {
      this.skipped++;
      return;
    }
    const known =
      dataset !== undefined ||
      channel === 'heartbeats' ||
      channel === 'subscriptions' ||
      channel === 'status';
    const problem = this.readHeader(frame, channel, known);
    if (problem !== undefined) {
      this.reject(record, problem);
      return;
    }
    const list = frame.events as unknown[];
    if (known) this.messages.set(channel, (this.messages.get(channel) ?? 0) + 1);

    const start = out.length;
    switch (dataset) {
      case 'level2':
        pushLevel2Rows(ctx, list, out);
        break;
      case 'market_trades':
        pushTradeRows(ctx, list, out, this.trades);
        break;
      case 'ticker':
        pushTickerRows(ctx, list, out);
        break;
      case 'candles':
        pushCandleRows(ctx, list, out);
        break;
      default:
        this.controlMessage(channel, list, out, frame);
    }
    if (dataset !== undefined) {
      const rows = out.length - start;
      this.datasetRows[dataset] += rows;
      if (this.wanted === undefined && ctx.droppedLevel2.length > 0) {
        // The order book must learn that it missed entries, or it would go on silently wrong.
        out.push({ ...controlRow(ctx, channel), level2_lost: [...ctx.droppedLevel2] });
        this.controlRows++;
      } else if (rows === 0 && this.wanted === undefined) {
        // A data message without entries still takes its place in the sequence.
        out.push(controlRow(ctx, channel));
        this.controlRows++;
      }
    }
    if (ctx.reasons.length > 0) {
      this.badEntries += ctx.droppedEntries;
      this.reject(record, ctx.describe());
    }
  }

  /**
   * The fast path: rows of a scanned `l2_data` frame. The scanner only makes frames that pass
   * every check below and in {@link unwrap}/{@link readHeader}, so this records the same header
   * and counts the same things as the JSON path.
   */
  private parseScannedLevel2(record: SourceRecord, frame: ScannedLevel2Frame, out: Row[]): void {
    const ctx = this.ctx;
    ctx.begin(record.file, record.line);
    ctx.captureTimestamp = frame.captureTimestamp;
    if (this.wanted !== undefined && this.wanted !== 'level2') {
      this.skipped++;
      return;
    }
    ctx.channel = 'l2_data';
    ctx.server.adopt(frame.server.ns, frame.server.date, frame.server.hour);
    ctx.sequenceNum = BigInt(frame.sequenceNum);
    ctx.clientId = frame.clientId;
    const start = out.length;
    pushScannedLevel2Rows(ctx, frame, out);
    this.messages.set('l2_data', (this.messages.get('l2_data') ?? 0) + 1);
    this.datasetRows.level2 += out.length - start;
  }

  /**
   * The Coinbase message inside a record: the record itself (bare frame) or the collector
   * envelope's `data` (`{capture_ts, data, metadata}`; `data.channel` is authoritative, `metadata`
   * only repeats it). A string is the reason the record is unusable.
   */

  /** Reads timestamp, sequence number and client id into the context; returns why the message is unusable. */
  private readHeader(frame: Record<string, unknown>, channel: string, known: boolean): string | undefined {
    const ctx = this.ctx;
    ctx.channel = channel;
    const ts = frame.timestamp;
    if (typeof ts !== 'string') return `timestamp is missing or not a string (${show(ts)})`;
    if (!ctx.server.parse(ts)) return `timestamp ${show(ts)} is invalid (${ctx.server.reason})`;
    if (ctx.server.ns < NS_1971) return `timestamp ${show(ts)} is before 1971`;
    const seq = frame.sequence_num;
    if (seq !== undefined && seq !== null) {
      const parsed = parseCounter(seq);
      if (parsed === undefined) return `sequence_num is not a non-negative integer (${show(seq)})`;
      ctx.sequenceNum = parsed;
    }
    const clientId = frame.client_id;
    ctx.clientId = typeof clientId === 'string' ? clientId : null;
    if (known && !Array.isArray(frame.events))
      return `events is missing or not an array (${show(frame.events)})`;
    return undefined;
  }

  /** heartbeats, subscriptions, status and unknown channels (only reached without `channel`). */
  private controlMessage(
    channel: string,
    events: unknown[],
    out: Row[],
    frame: Readonly<Record<string, unknown>>,
  ): void {
    const ctx = this.ctx;
    switch (channel) {
      case 'heartbeats':
        this.counts.count('heartbeats');
        out.push(heartbeatRow(ctx, events));
        break;
      case 'subscriptions':
        this.counts.count('subscriptions');
        out.push(subscriptionsRow(ctx, events));
        break;
      case 'status':
        this.counts.count('status');
        out.push(controlRow(ctx, channel));
        break;
      case '_connection': {
        // Written by our collector (reconnects, shed frames): expected, so counted, not warned.
        const event = frame.event;
        this.counts.count(`connection_events:${typeof event === 'string' ? event : 'other'}`);
        out.push(controlRow(ctx, channel));
        break;
      }
      default:
        this.unknownChannel(channel);
        out.push(controlRow(ctx, channel));
    }
    this.controlRows++;
  }

  private unknownChannel(channel: string): void {
    if (this.unknownChannels.has(channel)) {
      this.counts.count(`unknown_channel:${channel}`);
      return;
    }
    if (this.unknownChannels.size >= UNKNOWN_CHANNEL_NAMES) {
      this.counts.count('unknown_channel:<other>');
      return;
    }
    this.unknownChannels.add(channel);
    this.counts.count(`unknown_channel:${channel}`);
    this.logger.warn(
      `coinbase: unknown channel ${show(channel)} (first seen at ${this.ctx.file}:${this.ctx.line})`,
      {
        channel,
        file: this.ctx.file,
        line: this.ctx.line,
      },
    );
  }

  /** `{type: 'error', message}` from the exchange: counted, logged, kept as a control row. */
  private exchangeError(record: SourceRecord, frame: Record<string, unknown>, out: Row[]): void {
    const seq = parseCounter(frame.sequence_num);
    this.ctx.sequenceNum = seq ?? null;
    this.counts.count('exchange_errors');
    const row = errorRow(this.ctx, frame);
    this.logger.warn(`coinbase: error message at ${record.file}:${record.line}: ${show(row.message)}`, {
      file: record.file,
      line: record.line,
    });
    if (this.wanted !== undefined) return;
    out.push(row);
    this.controlRows++;
  }

  /** Quarantines the record with `reason`, counted as an error. */
  private reject(record: SourceRecord, reason: string): void {
    this.counts.errors++;
    this.quarantined.put(record, reason);
  }
}
