/**
 * The open bar of one product inside `TradeBarsProcessor`, and its JSON form for
 * checkpoints (bigints as decimal strings).
 */
import { type Row, utcDateKey } from '@etl/core';

/** What `TradeBarsProcessor.checkpoint()` returns: the open bars (bigints as decimal strings). */
export interface TradeBarsCheckpoint {
  readonly version: 1;
  readonly intervalNs: string;
  readonly bars: readonly OpenBarState[];
}

export interface OpenBarState {
  readonly product_id: string;
  readonly bar_start: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly notional: number;
  readonly trades: number;
  readonly buy_volume: number;
  readonly sell_volume: number;
  readonly open_time: string;
  readonly close_time: string;
  readonly last_time: string;
}

/** One product's open bar. Mutated in place: one object per bar, not per trade. */
export class OpenBar {
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  notional = 0;
  trades = 0;
  buyVolume = 0;
  sellVolume = 0;
  openTime = 0n;
  closeTime = 0n;
  /** Time of the product's latest trade (for the out-of-order count), kept across bars. */
  lastTime = 0n;

  constructor(
    readonly productId: string,
    public start: bigint,
  ) {}

  begin(start: bigint, price: number, time: bigint): void {
    this.start = start;
    this.open = this.high = this.low = this.close = price;
    this.openTime = this.closeTime = time;
    this.volume = this.notional = this.buyVolume = this.sellVolume = 0;
    this.trades = 0;
  }

  add(price: number, size: number, time: bigint, direction: number): void {
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    // Open and close follow trade time, so a trade arriving late within its bar lands right;
    // equal times keep arrival order (first is the open, last is the close).
    if (time < this.openTime) {
      this.open = price;
      this.openTime = time;
    }
    if (time >= this.closeTime) {
      this.close = price;
      this.closeTime = time;
    }
    this.volume += size;
    this.notional += price * size;
    this.trades++;
    if (direction > 0) this.buyVolume += size;
    else if (direction < 0) this.sellVolume += size;
  }

  toRow(): Row {
    return {
      product_id: this.productId,
      bar_start: this.start,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      vwap: this.volume > 0 ? this.notional / this.volume : null,
      trades: BigInt(this.trades),
      buy_volume: this.buyVolume,
      sell_volume: this.sellVolume,
      date: utcDateKey(this.start),
    };
  }
}

/** The JSON form of a bar, for a checkpoint. */
export function barState(b: OpenBar): OpenBarState {
  return {
    product_id: b.productId,
    bar_start: b.start.toString(),
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    notional: b.notional,
    trades: b.trades,
    buy_volume: b.buyVolume,
    sell_volume: b.sellVolume,
    open_time: b.openTime.toString(),
    close_time: b.closeTime.toString(),
    last_time: b.lastTime.toString(),
  };
}

const INTEGER = /^-?\d+$/;

/** A bar from its JSON form; undefined when malformed. */
export function restoreBar(s: unknown): OpenBar | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const v = s as Record<string, unknown>;
  const numbers = [
    'open',
    'high',
    'low',
    'close',
    'volume',
    'notional',
    'trades',
    'buy_volume',
    'sell_volume',
  ];
  const times = ['bar_start', 'open_time', 'close_time', 'last_time'];
  if (typeof v.product_id !== 'string') return undefined;
  if (!numbers.every((k) => typeof v[k] === 'number' && Number.isFinite(v[k]))) return undefined;
  if (!times.every((k) => typeof v[k] === 'string' && INTEGER.test(v[k]))) return undefined;
  const b = new OpenBar(v.product_id, BigInt(v.bar_start as string));
  b.open = v.open as number;
  b.high = v.high as number;
  b.low = v.low as number;
  b.close = v.close as number;
  b.volume = v.volume as number;
  b.notional = v.notional as number;
  b.trades = v.trades as number;
  b.buyVolume = v.buy_volume as number;
  b.sellVolume = v.sell_volume as number;
  b.openTime = BigInt(v.open_time as string);
  b.closeTime = BigInt(v.close_time as string);
  b.lastTime = BigInt(v.last_time as string);
  return b;
}
