/**
 * Rows of a scanned `l2_data` frame (the fast path). The scanner only makes a frame whose every
 * value passed the JSON path's checks, so this builds exactly the rows `pushLevel2Rows` would,
 * through the same row factory (`ctx.level2Row`), with nothing to reject.
 */
import type { Row } from '@etl/core';
import type { MessageContext } from './message-context.js';
import type { ScannedLevel2Frame } from './scanned-frames.js';
import { NS_1971 } from './timestamp-cache.js';

/** Appends the frame's rows to `out`; the message header must already be in `ctx`. */
export function pushScannedLevel2Rows(ctx: MessageContext, frame: ScannedLevel2Frame, out: Row[]): void {
  const server = frame.server;
  const events = frame.events;
  const level2Row = ctx.level2Row;
  for (let e = 0; e < events.length; e++) {
    const { type, productId, sides, times, values } = events[e]!;
    for (let i = 0; i < sides.length; i++) {
      const side = sides[i]!;
      const time = times[i]!;
      // Epoch placeholders (snapshot levels stamped 1970) take the message's partition keys.
      const real = time.ns >= NS_1971;
      out.push(
        level2Row(
          ctx,
          productId,
          type,
          side,
          side === 'bid' ? 'bid' : 'ask',
          values[i * 2]!,
          values[i * 2 + 1]!,
          time.ns,
          real ? time.date : server.date,
          real ? time.hour : server.hour,
        ),
      );
    }
  }
}
