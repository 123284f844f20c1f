/**
 * A fast path for the dominant line of a segment: an `l2_data` frame (in the collector envelope
 * or bare) exactly as Coinbase and the collector write it. The scanner reads the line's bytes
 * before any UTF-8 decoding, comparing them with the expected keys and reading numbers digit by
 * digit: no string for the line, no object tree, no string per number and (mostly) no string or
 * parse per timestamp.
 *
 * It accepts only lines that are valid JSON (and ASCII) of exactly that shape, whose values all
 * pass the checks of the JSON path: keys in Coinbase's order, no whitespace, no escapes, an
 * integer `sequence_num` of at most 15 digits, timestamps the core parser accepts (the message's
 * from 1971 on), prices and sizes as unsigned decimal strings, at least one update. For any other
 * line it returns undefined and the reader decodes it and hands it to `JSON.parse` as before, so
 * the two paths can only differ in speed; the differential tests check this on the fixtures and
 * on thousands of mutated lines.
 */
import { viewOf } from './byte-view.js';
import { hasNonZeroDigit } from './number.js';
import { type ScannedLevel2Event, ScannedLevel2Frame, type ScannedTime } from './scanned-frames.js';
import { asciiText, ScannedTimes } from './scanned-times.js';
import { NS_1971 } from './timestamp-cache.js';

/** Expected bytes, also as little-endian 32-bit words: keys are compared four bytes at a time. */
interface Literal {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
}

function literalOf(bytes: Uint8Array): Literal {
  const words = new Uint32Array(bytes.length >>> 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let j = 0; j < words.length; j++) words[j] = view.getUint32(j * 4, true);
  return { bytes, words };
}

function bytesOf(text: string): Literal {
  return literalOf(Uint8Array.from(text, (c) => c.charCodeAt(0)));
}

const ENVELOPE_START = bytesOf('{"capture_ts":"');
const DATA_L2 = bytesOf('","data":{"channel":"l2_data",');
const BARE_L2 = bytesOf('{"channel":"l2_data",');
const CLIENT_ID = bytesOf('"client_id":"');
const TIMESTAMP = bytesOf('"timestamp":"');
const SEQUENCE = bytesOf('","sequence_num":');
const EVENTS = bytesOf(',"events":[');
const EVENT_UPDATE = bytesOf('{"type":"update","product_id":"');
const EVENT_SNAPSHOT = bytesOf('{"type":"snapshot","product_id":"');
const UPDATES = bytesOf('","updates":[');
const UPDATE_BID = bytesOf('{"side":"bid","event_time":"');
const UPDATE_OFFER = bytesOf('{"side":"offer","event_time":"');
const PRICE = bytesOf('","price_level":"');
const QUANTITY = bytesOf('","new_quantity":"');
const METADATA_SOURCE = bytesOf(',"metadata":{"source":"');
const METADATA_CHANNEL = bytesOf('","channel":"');
const METADATA_L2 = bytesOf(',"metadata":{"source":"coinbase","channel":"l2_data"}}');

const QUOTE = 34;
const COMMA = 44;
const DOT = 46;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const CLOSE_BRACE = 125;

/** Exact powers of ten (every one up to 1e22 is a double). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** More significant digits than this and the integer of all digits might pass 2^53. */
const MAX_FAST_DIGITS = 15;
/** Distinct product ids remembered for reuse. */
const PRODUCT_CACHE = 64;

/** Position just past `literal` when `bytes[p, end)` starts with it, else -1. */
function literalAt(bytes: Uint8Array, p: number, end: number, literal: Literal): number {
  const expected = literal.bytes;
  const n = expected.length;
  if (p < 0 || p + n > end) return -1;
  const words = literal.words;
  const view = viewOf(bytes);
  let k = 0;
  for (let j = 0; j < words.length; j++, k += 4) {
    if (view.getUint32(p + k, true) !== words[j]) return -1;
  }
  for (; k < n; k++) {
    if (bytes[p + k] !== expected[k]) return -1;
  }
  return p + n;
}

/**
 * Position of the quote closing a JSON string body that starts at `p`, when the body is printable
 * ASCII without escapes (so its bytes are its text); -1 otherwise.
 */
function plainStringEnd(bytes: Uint8Array, p: number, end: number): number {
  if (p < 0) return -1;
  for (let i = p; i < end; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i;
    if (c < 0x20 || c === BACKSLASH || c > 0x7e) return -1;
  }
  return -1;
}

interface KnownProduct {
  readonly literal: Literal;
  readonly id: string;
}

export class AdvancedTradeLineScanner {
  /** Position just past the last token read. */
  private pos = 0;
  private readonly products: KnownProduct[] = [];
  private readonly captureTimes = new ScannedTimes();
  private readonly serverTimes = new ScannedTimes();
  private readonly eventTimes = new ScannedTimes();

  /**
   * A {@link ScannedLevel2Frame} for the line `bytes[start, end)` (no line terminator) when it
   * has the known shape and passes every check; undefined for any other line.
   */
  parse(bytes: Uint8Array, start: number, end: number): ScannedLevel2Frame | undefined {
    let captureTimestamp: bigint | null = null;
    let p = literalAt(bytes, start, end, ENVELOPE_START);
    if (p > 0) {
      const capture = this.captureTimes.stringAt(bytes, p, end);
      if (capture === undefined) return undefined;
      const to = this.captureTimes.stringEnd;
      captureTimestamp = capture.ns;
      p = literalAt(bytes, to, end, DATA_L2);
    } else p = literalAt(bytes, start, end, BARE_L2);
    if (p < 0) return undefined;

    let clientId: string | null = null;
    const clientFrom = literalAt(bytes, p, end, CLIENT_ID);
    if (clientFrom > 0) {
      const to = plainStringEnd(bytes, clientFrom, end);
      if (to < 0 || bytes[to + 1] !== COMMA) return undefined;
      clientId = asciiText(bytes, clientFrom, to);
      p = to + 2;
    }
    const tsFrom = literalAt(bytes, p, end, TIMESTAMP);
    const server = tsFrom < 0 ? undefined : this.serverTimes.stringAt(bytes, tsFrom, end);
    if (server === undefined || server.ns < NS_1971) return undefined;
    const tsTo = this.serverTimes.stringEnd;
    const sequenceNum = this.integerAt(bytes, literalAt(bytes, tsTo, end, SEQUENCE), end);
    if (sequenceNum < 0) return undefined;
    p = literalAt(bytes, this.pos, end, EVENTS);
    if (p < 0) return undefined;

    const events: ScannedLevel2Event[] = [];
    let updates = 0;
    for (;;) {
      const event = this.eventAt(bytes, p, end);
      if (event === undefined) return undefined;
      events.push(event);
      updates += event.sides.length;
      p = this.pos;
      const c = bytes[p];
      if (c === COMMA) p++;
      else if (c === CLOSE_BRACKET) break;
      else return undefined;
    }
    // Without a single update the JSON path emits a control row instead: leave it that one.
    if (updates === 0 || bytes[p + 1] !== CLOSE_BRACE) return undefined;
    p += 2;
    if (captureTimestamp === null ? p !== end : !this.metadataEndsAt(bytes, p, end)) return undefined;
    return new ScannedLevel2Frame(captureTimestamp, server, clientId, sequenceNum, events);
  }

  /** `{"type":…,"product_id":…,"updates":[…]}` at `p`; `pos` is just past its `}`. */
  private eventAt(bytes: Uint8Array, p: number, end: number): ScannedLevel2Event | undefined {
    let type: 'snapshot' | 'update' = 'update';
    let q = literalAt(bytes, p, end, EVENT_UPDATE);
    if (q < 0) {
      type = 'snapshot';
      q = literalAt(bytes, p, end, EVENT_SNAPSHOT);
    }
    const productId = this.productAt(bytes, q, end);
    if (productId === undefined) return undefined;
    p = literalAt(bytes, this.pos, end, UPDATES);
    if (p < 0) return undefined;
    const sides: string[] = [];
    const times: ScannedTime[] = [];
    const values: number[] = [];
    if (bytes[p] !== CLOSE_BRACKET) {
      const eventTimes = this.eventTimes;
      for (;;) {
        let side = 'bid';
        q = literalAt(bytes, p, end, UPDATE_BID);
        if (q < 0) {
          side = 'offer';
          q = literalAt(bytes, p, end, UPDATE_OFFER);
        }
        const time = q < 0 ? undefined : eventTimes.stringAt(bytes, q, end);
        if (time === undefined) return undefined;
        const timeTo = eventTimes.stringEnd;
        const price = this.decimalAt(bytes, literalAt(bytes, timeTo, end, PRICE), end);
        if (price < 0) return undefined;
        const quantity = this.decimalAt(bytes, literalAt(bytes, this.pos, end, QUANTITY), end);
        if (quantity < 0 || bytes[this.pos + 1] !== CLOSE_BRACE) return undefined;
        sides.push(side);
        times.push(time);
        values.push(price, quantity);
        p = this.pos + 2;
        const c = bytes[p];
        if (c === COMMA) p++;
        else if (c === CLOSE_BRACKET) break;
        else return undefined;
      }
    }
    if (bytes[p + 1] !== CLOSE_BRACE) return undefined;
    this.pos = p + 2;
    return { type, productId, sides, times, values };
  }

  /** A non-empty product id string body at `p`; `pos` is at its closing quote. */
  private productAt(bytes: Uint8Array, p: number, end: number): string | undefined {
    const to = plainStringEnd(bytes, p, end);
    if (to <= p) return undefined;
    this.pos = to;
    const length = to - p;
    const products = this.products;
    for (let i = 0; i < products.length; i++) {
      const known = products[i]!;
      if (known.literal.bytes.length === length && literalAt(bytes, p, to, known.literal) === to)
        return known.id;
    }
    const id = asciiText(bytes, p, to);
    // A copy: the reader reuses its buffer (Buffer#slice would be a view into it).
    if (products.length < PRODUCT_CACHE)
      products.push({ literal: literalOf(new Uint8Array(bytes.subarray(p, to))), id });
    return id;
  }

  /**
   * A JSON integer at `p` (no sign, no leading zero, at most 15 digits), or -1. `pos` is just
   * past its last digit.
   */
  private integerAt(bytes: Uint8Array, p: number, end: number): number {
    if (p < 0) return -1;
    let value = 0;
    let i = p;
    for (; i < end; i++) {
      const d = bytes[i]! - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    const digits = i - p;
    if (digits === 0 || digits > MAX_FAST_DIGITS || (digits > 1 && bytes[p] === 48)) return -1;
    this.pos = i;
    return value;
  }

  /**
   * An unsigned decimal string body `D+(.D+)?` at `p` followed by its closing quote, as the
   * number `Number()` (and so `parseDecimalOrNaN`) makes of it, or -1. `pos` is at the closing
   * quote. With at most 15 significant digits the digits form an exact integer below 2^53, and
   * one division by an exact power of ten rounds correctly, exactly as `Number()` does; longer
   * strings go through `Number()` itself.
   */
  private decimalAt(bytes: Uint8Array, p: number, end: number): number {
    if (p < 0) return -1;
    let mantissa = 0;
    let i = p;
    let c = i < end ? bytes[i]! : 0;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = ++i < end ? bytes[i]! : 0;
    }
    const intDigits = i - p;
    if (intDigits === 0) return -1;
    let fraction = 0;
    if (c === DOT) {
      const fracStart = ++i;
      c = i < end ? bytes[i]! : 0;
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        c = ++i < end ? bytes[i]! : 0;
      }
      fraction = i - fracStart;
      if (fraction === 0) return -1;
    }
    if (c !== QUOTE) return -1;
    this.pos = i;
    if (intDigits + fraction > MAX_FAST_DIGITS) {
      // parseDecimalOrNaN refuses what overflows to Infinity, and a non-zero decimal that
      // underflows to 0; so does the fast path.
      const text = asciiText(bytes, p, i);
      const value = Number(text);
      if (value === 0) return hasNonZeroDigit(text, 0, text.length) ? -1 : 0;
      return value === Number.POSITIVE_INFINITY ? -1 : value;
    }
    return fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
  }

  /** The envelope's `,"metadata":{"source":"…","channel":"…"}}` ending the line at `p`. */
  private metadataEndsAt(bytes: Uint8Array, p: number, end: number): boolean {
    if (literalAt(bytes, p, end, METADATA_L2) === end) return true;
    const sourceTo = plainStringEnd(bytes, literalAt(bytes, p, end, METADATA_SOURCE), end);
    const channelTo = plainStringEnd(bytes, literalAt(bytes, sourceTo, end, METADATA_CHANNEL), end);
    return (
      channelTo > 0 &&
      channelTo + 3 === end &&
      bytes[channelTo + 1] === CLOSE_BRACE &&
      bytes[channelTo + 2] === CLOSE_BRACE
    );
  }
}
