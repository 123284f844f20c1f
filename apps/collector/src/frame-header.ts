/**
 * What the collector needs to know about a frame without parsing it: its channel (for the
 * envelope's metadata and the bus subject), its first product id (subject) and its sequence
 * number (publish dedup id). Coinbase writes `channel` first and the product id of the first
 * event early, so a bounded byte scan finds them even in a 5 MB snapshot; anything unexpected
 * falls back to `JSON.parse`.
 */

export interface FrameHeader {
  /** `data.channel`, or `error` for exchange errors, or `unknown` for frames that are not JSON objects. */
  readonly channel: string;
  readonly productId: string | null;
  readonly sequenceNum: number | null;
  /**
   * False when the frame was found not to be JSON (it is still captured; the ETL quarantines it).
   * Only the fallback parses: a frame the fast scan recognises counts as parsed.
   */
  readonly parsed: boolean;
}

const CHANNEL_KEY = Buffer.from('"channel":"');
const PRODUCT_KEY = Buffer.from('"product_id":"');
const SEQUENCE_KEY = Buffer.from('"sequence_num":');
/** The channel must appear this early for the fast path (it is the first key in practice). */
const CHANNEL_WINDOW = 256;
/** The first product id sits within the first event, right after the message header. */
const PRODUCT_WINDOW = 4096;

function stringAt(buf: Buffer, start: number, limit: number): string | undefined {
  const end = buf.indexOf(0x22 /* " */, start);
  if (end < 0 || end - start > limit) return undefined;
  for (let i = start; i < end; i++) if (buf[i] === 0x5c /* \ */) return undefined;
  return buf.toString('latin1', start, end);
}

function digitsAt(buf: Buffer, start: number): number | null {
  let v = 0;
  let i = start;
  while (i < buf.length && i - start < 16) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    i++;
  }
  return i > start ? v : null;
}

function fromParsed(buf: Buffer): FrameHeader {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch {
    return { channel: 'unknown', productId: null, sequenceNum: null, parsed: false };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { channel: 'unknown', productId: null, sequenceNum: null, parsed: true };
  }
  const v = value as Record<string, unknown>;
  const channel =
    typeof v.channel === 'string' && v.channel ? v.channel : v.type === 'error' ? 'error' : 'unknown';
  const seq =
    typeof v.sequence_num === 'number' && Number.isSafeInteger(v.sequence_num) ? v.sequence_num : null;
  let productId: string | null = null;
  const first = Array.isArray(v.events) ? (v.events[0] as Record<string, unknown> | undefined) : undefined;
  if (first && typeof first === 'object') {
    if (typeof first.product_id === 'string') productId = first.product_id;
    else {
      for (const key of ['trades', 'tickers', 'candles', 'updates']) {
        const list = first[key];
        const entry = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
        if (entry && typeof entry.product_id === 'string') {
          productId = entry.product_id;
          break;
        }
      }
    }
  }
  return { channel, productId, sequenceNum: seq, parsed: true };
}

/** Header of a frame; `fast` is false when the byte scan could not be trusted and JSON.parse ran. */
export function readFrameHeader(buf: Buffer): FrameHeader & { readonly fast: boolean } {
  // Searches stay within small windows, so a 5 MB frame costs no more than a small one.
  const c = buf.subarray(0, CHANNEL_WINDOW).indexOf(CHANNEL_KEY);
  if (buf[0] !== 0x7b /* { */ || c < 0) return { ...fromParsed(buf), fast: false };
  const channel = stringAt(buf, c + CHANNEL_KEY.length, 64);
  if (channel === undefined || channel === '') return { ...fromParsed(buf), fast: false };
  const s = buf.subarray(0, CHANNEL_WINDOW * 2).indexOf(SEQUENCE_KEY);
  const sequenceNum = s >= 0 ? digitsAt(buf, s + SEQUENCE_KEY.length) : null;
  const p = buf.subarray(0, PRODUCT_WINDOW).indexOf(PRODUCT_KEY);
  const productId = p >= 0 ? (stringAt(buf, p + PRODUCT_KEY.length, 64) ?? null) : null;
  return { channel, productId, sequenceNum, parsed: true, fast: true };
}
