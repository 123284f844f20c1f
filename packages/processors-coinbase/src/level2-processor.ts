/**
 * Rebuilds one order book per product from level2 rows and stamps every row with the book after
 * its whole message. Rows of one message are the consecutive level2 rows sharing (product_id,
 * sequence_num, server_timestamp). All other rows pass through in order; the processor also
 * watches their sequence numbers, emits `quality` and `book_snapshot_*` rows, and can stamp trades
 * with the prevailing top of book. See the README for the sequence and checkpoint rules.
 */
import {
  col,
  EtlError,
  extendSchema,
  getField,
  type Logger,
  type Processor,
  type QuarantineSink,
  type Row,
  type Schema,
  type Stats,
  StatsCollector,
  silentLogger,
} from '@etl/core';
import { BookContinuity } from './book-continuity.js';
import { BookColumns, orderFlowImbalance, type TopOfBook } from './book-features.js';
import { BookSnapshotSampler } from './book-snapshot-processor.js';
import { CROSSED_POLICIES, type CrossedPolicy, handleCrossedBook } from './crossed-book.js';
import {
  LEVEL2_CHECKPOINT_VERSION,
  type Level2Checkpoint,
  parseLevel2Checkpoint,
} from './level2-checkpoint.js';
import type { Level2ProcessorOptions } from './level2-options.js';
import { levelProblem, rowJson, sideOf } from './level2-rows.js';
import { ProductBook } from './product-book.js';
import { QUALITY_CHANNEL, type QualityKind, qualityRow } from './quality.js';

const TRADES_CHANNEL = 'market_trades';
const CONTROL_CHANNEL = '_sequence';

export class Level2Processor implements Processor<Row, Row> {
  readonly name = 'level2';
  private readonly logger: Logger;
  private readonly quarantine: QuarantineSink | undefined;
  private readonly inputName: string;
  private readonly crossedPolicy: CrossedPolicy;
  private readonly columns: BookColumns | null;
  private readonly annotateTrades: boolean;
  private readonly messagesEndAtBatchEnd: boolean;
  private readonly sampler: BookSnapshotSampler | null;
  private readonly continuity: BookContinuity;
  private products = new Map<string, ProductBook>();
  private readonly schemas = new WeakMap<Schema, Schema>();
  private out: Row[] = [];
  /** The open level2 message: its book and the rows applied so far. */
  private msg: ProductBook | null = null;
  private msgProductId: unknown;
  private msgSnapshot = false;
  private msgBroken = 0;
  private readonly pending: Row[] = [];
  private readonly top: TopOfBook = {
    bidPrice: Number.NaN,
    bidSize: Number.NaN,
    askPrice: Number.NaN,
    askSize: Number.NaN,
  };
  /** sequence_num and server_timestamp of the latest row: a change starts a new message. */
  private curSeq: unknown;
  private curTs: unknown;
  private lastTime: bigint | null = null;
  private rowIndex = 0;
  private readonly c = {
    recordsIn: 0,
    recordsOut: 0,
    errors: 0,
    messages: 0,
    level_updates: 0,
    absent_deletes: 0,
    snapshots: 0,
    crossed_books: 0,
    crossed_levels_removed: 0,
    invalid_levels: 0,
    quality_rows: 0,
    book_snapshot_rows: 0,
    trades_annotated: 0,
    lost_level_messages: 0,
  };

  constructor(options: Level2ProcessorOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.quarantine = options.quarantine;
    this.inputName = options.inputName ?? 'level2';
    this.crossedPolicy = options.crossedPolicy ?? 'remove-stale';
    if (!CROSSED_POLICIES.includes(this.crossedPolicy)) {
      throw new EtlError(
        `crossedPolicy must be one of ${CROSSED_POLICIES.join(', ')}, got ${String(this.crossedPolicy)}`,
        'E_CONFIG',
      );
    }
    const reconstruct = options.reconstructLob ?? true;
    // Features are on by default wherever there is a book (the Coinbase source declares the same default).
    const features = options.computeFeatures ?? reconstruct;
    this.annotateTrades = options.annotateTrades ?? false;
    if (!reconstruct && (features || this.annotateTrades || options.bookSnapshots)) {
      throw new EtlError(
        'computeFeatures, annotateTrades and bookSnapshots need reconstructLob: true',
        'E_CONFIG',
      );
    }
    this.columns = reconstruct
      ? new BookColumns({
          derived: options.addDerivedFields ?? true,
          features,
          depthLevels: options.depthLevels ?? [10],
          depthBps: options.depthBps ?? [10],
        })
      : null;
    this.sampler = options.bookSnapshots ? new BookSnapshotSampler(options.bookSnapshots) : null;
    this.continuity = new BookContinuity(options.sequenceCheck ?? 'auto', this.logger);
    this.messagesEndAtBatchEnd = options.messagesEndAtBatchEnd ?? false;
  }

  /** Level2 input gains the book columns; trades input gains the top of book with annotateTrades. */
  outputSchema(input?: Schema): Schema | undefined {
    if (!input) return undefined;
    // Pipelines ask once per batch; the answer only depends on the input schema.
    let output = this.schemas.get(input);
    if (output === undefined) {
      output = this.extendedSchema(input);
      this.schemas.set(input, output);
    }
    return output;
  }

  private extendedSchema(input: Schema): Schema {
    if (this.columns && getField(input, 'price_level')) return extendSchema(input, this.columns.fields());
    if (this.annotateTrades && getField(input, 'trade_id')) {
      return extendSchema(input, [
        col.double('best_bid_price'),
        col.double('best_bid_size'),
        col.double('best_ask_price'),
        col.double('best_ask_size'),
      ]);
    }
    return input;
  }

  /**
   * Rows come out in input order. The last level2 message of a batch is held until the next batch
   * shows a row of another message (or `flush`), because its rows may continue there.
   */
  process(batch: readonly Row[]): Row[] {
    const out: Row[] = [];
    this.out = out;
    const reconstruct = this.columns !== null;
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      this.rowIndex++;
      const channel = row.channel;
      if (reconstruct && (channel === 'l2_data' || channel === 'level2')) this.onLevel2Row(row);
      else this.onOtherRow(row, channel);
    }
    if (this.messagesEndAtBatchEnd) this.closeMessage();
    this.c.recordsIn += batch.length;
    this.c.recordsOut += out.length;
    return out;
  }

  flush(): Row[] {
    const out: Row[] = [];
    this.out = out;
    this.closeMessage();
    this.c.recordsOut += out.length;
    return out;
  }

  private product(productId: string): ProductBook {
    let st = this.products.get(productId);
    if (!st) {
      st = new ProductBook(productId);
      this.products.set(productId, st);
    }
    return st;
  }

  private onLevel2Row(row: Row): void {
    const productId = row.product_id;
    const seq = row.sequence_num;
    const ts = row.server_timestamp;
    if (this.msg !== null) {
      if (productId === this.msgProductId && seq === this.curSeq && ts === this.curTs) {
        this.applyLevel(row);
        return;
      }
      this.closeMessage();
    }
    if (seq !== this.curSeq || ts !== this.curTs) this.startMessage(row, seq, ts);
    if (typeof productId !== 'string' || productId === '') {
      // Some book missed an update, and nothing says which: none can be trusted.
      this.reject(row, 'level2 row without a product_id');
      for (const p of this.products.values()) p.invalidate();
      const detail =
        'a level2 row without product_id was quarantined; every book invalid until its next snapshot';
      const time = typeof ts === 'bigint' ? ts : null;
      const sequence = typeof seq === 'bigint' ? seq : null;
      this.quality('invalid_level', null, sequence, time, detail);
      return;
    }
    this.continuity.tracker.seeProduct(productId);
    this.msg = this.product(productId);
    this.msgProductId = productId;
    this.msgSnapshot = false;
    this.msgBroken = 0;
    this.applyLevel(row);
  }

  private onOtherRow(row: Row, channel: unknown): void {
    const lost = channel === CONTROL_CHANNEL ? row.level2_lost : undefined;
    if (Array.isArray(lost) && this.columns !== null) {
      this.onLostLevels(row, lost);
      return;
    }
    this.closeMessage();
    if (
      channel === QUALITY_CHANNEL ||
      (typeof channel === 'string' && channel.startsWith('book_snapshot_'))
    ) {
      this.out.push(row);
      return;
    }
    const seq = row.sequence_num;
    const ts = row.server_timestamp;
    if (seq !== this.curSeq || ts !== this.curTs) this.startMessage(row, seq, ts);
    if (channel !== CONTROL_CHANNEL && typeof row.product_id === 'string')
      this.continuity.tracker.seeProduct(row.product_id);
    if (this.annotateTrades && channel === TRADES_CHANNEL) this.annotateTrade(row);
    this.out.push(row);
  }

  /**
   * The parser dropped level2 entries of the message just read (the marker follows its rows,
   * with its sequence number and timestamp): those books missed an update, so they are invalid
   * until their next snapshot, and the message's own rows are stamped invalid. An entry of an
   * unknown product leaves no book trustworthy.
   */
  private onLostLevels(row: Row, lost: readonly unknown[]): void {
    const seq = row.sequence_num;
    const ts = row.server_timestamp;
    const sameMessage = seq === this.curSeq && ts === this.curTs;
    const products = lost.every((p) => typeof p === 'string')
      ? (lost as readonly string[])
      : [...this.products.keys()];
    // The open message, when it is this one, closes with its book invalidated (and says so).
    let closed: string | undefined;
    if (this.msg !== null && sameMessage && products.includes(this.msg.productId)) {
      this.msgBroken++;
      closed = this.msg.productId;
    }
    this.closeMessage();
    if (!sameMessage) this.startMessage(row, seq, ts);
    const sequence = typeof seq === 'bigint' ? seq : null;
    const time = typeof ts === 'bigint' ? ts : null;
    for (const productId of products) {
      if (productId === closed) continue;
      this.products.get(productId)?.invalidate();
      const detail = 'level2 entries of this message were quarantined; book invalid until the next snapshot';
      this.quality('invalid_level', productId, sequence, time, detail);
    }
    this.c.lost_level_messages++;
    this.out.push(row);
  }

  /** A new message begins: check its sequence number, then sample books at crossed boundaries. */
  private startMessage(row: Row, seq: unknown, ts: unknown): void {
    this.curSeq = seq;
    this.curTs = ts;
    const time = typeof ts === 'bigint' ? ts : null;
    const sequence =
      typeof seq === 'bigint' ? seq : typeof seq === 'number' && Number.isInteger(seq) ? BigInt(seq) : null;
    if (sequence !== null) {
      const ack =
        row.channel === CONTROL_CHANNEL && row.source_channel === 'subscriptions'
          ? row.subscriptions
          : undefined;
      this.c.quality_rows += this.continuity.onMessage(
        sequence,
        ack,
        this.lastTime,
        time,
        this.products,
        this.out,
      );
    }
    if (time !== null) {
      if (this.sampler) this.c.book_snapshot_rows += this.sampler.advance(time, this.products, this.out);
      this.lastTime = time;
    }
  }

  private applyLevel(row: Row): void {
    const st = this.msg!;
    const side = sideOf(row);
    const problem = side === null ? `level2 row with side ${JSON.stringify(row.side)}` : levelProblem(row);
    if (side === null || problem !== null) {
      this.reject(row, problem!);
      return;
    }
    const price = row.price_level as number;
    const size = row.new_quantity as number;
    this.c.level_updates++;
    if (row.is_snapshot === true) {
      if (!st.book.isLoadingSnapshot()) {
        st.book.beginSnapshot();
        this.msgSnapshot = true;
      }
      st.book.set(side, price, size);
    } else {
      if (st.book.isLoadingSnapshot()) this.finishSnapshot(st);
      if (st.valid && !st.book.set(side, price, size)) this.c.absent_deletes++;
    }
    this.pending.push(row);
  }

  private finishSnapshot(st: ProductBook): void {
    st.book.endSnapshot();
    this.c.snapshots++;
    st.valid = true;
    st.everValid = true;
  }

  /** A level2 row that cannot be applied: quarantined, and its book is no longer trusted. */
  private reject(row: Row, reason: string): void {
    this.c.errors++;
    this.c.invalid_levels++;
    this.msgBroken++;
    this.quarantine?.put({
      file: this.inputName,
      line: this.rowIndex,
      reason,
      raw: rowJson(row),
      stage: 'level2',
    });
    this.logger.warn(`${this.inputName}:${this.rowIndex}: ${reason}`, { product_id: row.product_id });
  }

  /** Applies the end of the open message: finish a snapshot, check crossing, stamp and emit rows. */
  private closeMessage(): void {
    const st = this.msg;
    if (st === null) return;
    this.msg = null;
    if (st.book.isLoadingSnapshot()) this.finishSnapshot(st);
    const seq = typeof this.curSeq === 'bigint' ? this.curSeq : null;
    const time = typeof this.curTs === 'bigint' ? this.curTs : null;
    if (this.msgBroken > 0) {
      st.invalidate();
      const detail = `${this.msgBroken} level2 row(s) quarantined; book invalid until the next snapshot`;
      this.quality('invalid_level', st.productId, seq, time, detail);
    }
    if (st.valid && st.book.isCrossed()) this.onCrossed(st, seq, time);
    const columns = this.columns!;
    if (st.valid) {
      const top = this.top;
      top.bidPrice = st.book.bestPrice('bid');
      top.bidSize = st.book.bestSize('bid');
      top.askPrice = st.book.bestPrice('ask');
      top.askSize = st.book.bestSize('ask');
      const ofi = st.hasTop ? orderFlowImbalance(st.top, top) : Number.NaN;
      st.rememberTop(top);
      columns.setFromBook(st.book, top, ofi);
    } else columns.setInvalid();
    const pending = this.pending;
    const out = this.out;
    for (let i = 0; i < pending.length; i++) {
      const row = pending[i]!;
      columns.stamp(row);
      out.push(row);
    }
    pending.length = 0;
    this.c.messages++;
  }

  private onCrossed(st: ProductBook, seq: bigint | null, time: bigint | null): void {
    this.c.crossed_books++;
    const { detail, removed } = handleCrossedBook(
      st,
      this.crossedPolicy,
      this.pending,
      this.msgSnapshot,
      seq,
    );
    this.c.crossed_levels_removed += removed;
    this.quality('crossed_book', st.productId, seq, time, detail);
  }

  private annotateTrade(row: Row): void {
    const id = row.product_id;
    const st = typeof id === 'string' ? this.products.get(id) : undefined;
    if (st) st.writeTopOfBook(row);
    else row.best_bid_price = row.best_bid_size = row.best_ask_price = row.best_ask_size = null;
    this.c.trades_annotated++;
  }

  /** A quality row about one message (its number on both ends) or, without product, every book. */
  private quality(
    kind: QualityKind,
    productId: string | null,
    seq: bigint | null,
    time: bigint | null,
    detail: string,
  ): void {
    const event = {
      kind,
      productId,
      sequenceFrom: seq,
      sequenceTo: seq,
      timeFrom: null,
      timeTo: time,
      detail,
    };
    this.out.push(qualityRow(event));
    this.c.quality_rows++;
  }

  /** State for the next input. Call after `flush` (a held message is not part of a checkpoint). */
  checkpoint(): Level2Checkpoint {
    if (this.msg !== null) {
      throw new EtlError('level2: checkpoint() while a message is held; call flush() first', 'E_STATE');
    }
    return {
      version: LEVEL2_CHECKPOINT_VERSION,
      sequence: this.continuity.tracker.checkpoint(),
      lastTime: this.lastTime === null ? null : this.lastTime.toString(),
      books: [...this.products.values()].map((p) => p.checkpoint()),
      bookSnapshots: this.sampler ? this.sampler.checkpoint() : null,
    };
  }

  /**
   * Continues from a checkpoint. The restored books stay valid only if the first numbered message
   * continues the checkpoint's sequence (a 'checkpoint_restored' quality row); otherwise they are
   * invalid until their next snapshot ('checkpoint_stale').
   */
  restore(state: unknown): void {
    if (this.msg !== null) {
      throw new EtlError('level2: restore() while a message is held; call flush() first', 'E_STATE');
    }
    const cp = parseLevel2Checkpoint(state);
    this.continuity.restore(cp.sequence, cp.books.length > 0);
    this.products = new Map();
    for (const b of cp.books) this.products.set(b.productId, ProductBook.fromCheckpoint(b));
    this.sampler?.restore(cp.bookSnapshots);
    this.lastTime = cp.lastTime === null ? null : BigInt(cp.lastTime);
    this.curSeq = undefined;
    this.curTs = undefined;
  }

  stats(): Stats {
    const s = new StatsCollector(this.name);
    const { recordsIn, recordsOut, errors, ...counters } = this.c;
    s.recordsIn = recordsIn;
    s.recordsOut = recordsOut;
    s.errors = errors;
    for (const [k, v] of Object.entries(counters)) s.count(k, v);
    for (const [k, v] of Object.entries(this.continuity.counts)) s.count(k, v);
    return s.snapshot();
  }
}
