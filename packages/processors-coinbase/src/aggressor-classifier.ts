/**
 * Infers which side initiated a trade from the book prevailing just before it (the quote rule),
 * falling back to the direction of the last price change of the product (the tick rule), as in
 * Lee and Ready (1991).
 *
 * Quote rule: price >= best ask → buy; price <= best bid → sell; strictly inside the spread →
 * buy above the mid, sell below it. At the mid, or when the book does not decide (a side is
 * missing), the tick rule: price above the previous trade of the product → buy, below → sell,
 * equal → the direction of the last price change (zero-tick). Unknown when neither decides.
 */
export type AggressorSide = 'buy' | 'sell';
export type AggressorMethod = 'quote' | 'tick';

/** Tick-rule memory of one product. */
interface TickState {
  lastPrice: number;
  /** Direction of the last price change (null until the price first moves). */
  lastMove: AggressorSide | null;
}

/** State carried across segments, so the tick rule continues where it stopped. */
export interface TickStateCheckpoint {
  readonly product_id: string;
  readonly last_price: number;
  readonly last_move: AggressorSide | null;
}

export class AggressorClassifier {
  private readonly products = new Map<string, TickState>();
  /** Result of the last {@link classify} call (fields, to avoid an object per trade). */
  side: AggressorSide | null = null;
  method: AggressorMethod | null = null;

  /** Classifies one trade; read {@link side} and {@link method} afterwards. Trades must come in time order. */
  classify(productId: string, price: number, bid: number | null, ask: number | null): void {
    let side: AggressorSide | null = null;
    if (ask !== null && price >= ask) side = 'buy';
    else if (bid !== null && price <= bid) side = 'sell';
    else if (bid !== null && ask !== null) {
      const mid = (bid + ask) / 2;
      if (price > mid) side = 'buy';
      else if (price < mid) side = 'sell';
    }
    let method: AggressorMethod | null = side === null ? null : 'quote';
    const state = this.products.get(productId);
    if (state === undefined) {
      this.products.set(productId, { lastPrice: price, lastMove: null });
    } else {
      const move: AggressorSide | null =
        price > state.lastPrice ? 'buy' : price < state.lastPrice ? 'sell' : state.lastMove;
      if (side === null && move !== null) {
        side = move;
        method = 'tick';
      }
      state.lastMove = move;
      state.lastPrice = price;
    }
    this.side = side;
    this.method = method;
  }

  checkpoint(): TickStateCheckpoint[] {
    const out: TickStateCheckpoint[] = [];
    for (const [productId, s] of this.products) {
      out.push({ product_id: productId, last_price: s.lastPrice, last_move: s.lastMove });
    }
    return out;
  }

  restore(states: readonly TickStateCheckpoint[]): void {
    this.products.clear();
    for (const s of states)
      this.products.set(s.product_id, { lastPrice: s.last_price, lastMove: s.last_move });
  }
}
