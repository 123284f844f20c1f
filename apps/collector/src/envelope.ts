/**
 * The seed collector's envelope, one line per frame:
 * `{"capture_ts":"<UTC receive time>","data":<the frame, byte for byte>,"metadata":{"source":"coinbase","channel":"<channel>"}}`.
 * The frame's bytes are copied, never re-serialised, so key order, number strings and spacing stay
 * exactly as Coinbase sent them.
 */

const PREFIX = Buffer.from('{"capture_ts":"');
const DATA = Buffer.from('","data":');
const META = Buffer.from(',"metadata":{"source":"coinbase","channel":');
const END = Buffer.from('}}\n');

/** Metadata channel text, JSON-quoted once per distinct channel. */
const quoted = new Map<string, Buffer>();

function quotedChannel(channel: string): Buffer {
  let q = quoted.get(channel);
  if (!q) {
    q = Buffer.from(JSON.stringify(channel));
    if (quoted.size < 256) quoted.set(channel, q);
  }
  return q;
}

/**
 * A frame with a raw line break would split its line. In valid JSON a CR or LF can only be
 * whitespace between tokens, so it is replaced by a space (the only change ever made to a
 * frame); the return value says whether that happened.
 */
export function singleLine(frame: Buffer): { frame: Buffer; replaced: boolean } {
  if (frame.indexOf(0x0a) < 0 && frame.indexOf(0x0d) < 0) return { frame, replaced: false };
  const copy = Buffer.from(frame);
  for (let i = 0; i < copy.length; i++) if (copy[i] === 0x0a || copy[i] === 0x0d) copy[i] = 0x20;
  return { frame: copy, replaced: true };
}

/** The envelope line, newline included. */
export function envelopeLine(captureTs: string, frame: Buffer, channel: string): Buffer {
  return Buffer.concat([
    PREFIX,
    Buffer.from(captureTs, 'latin1'),
    DATA,
    frame,
    META,
    quotedChannel(channel),
    END,
  ]);
}

/** A synthetic frame the collector itself writes (connection events), as JSON text. */
export function markerFrame(fields: Readonly<Record<string, unknown>>): Buffer {
  return Buffer.from(JSON.stringify(fields));
}
