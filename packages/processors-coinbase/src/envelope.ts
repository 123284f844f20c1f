/**
 * The collector's envelope, `{capture_ts, data, metadata}`, around one exchange frame, shared by
 * the Advanced Trade and Exchange parsers. A value with the frame's own marker key (`channel` or
 * `type`), or without `data`, is taken as a bare frame.
 */

import { isRecord } from '@etl/core/internal';
import type { MessageContext } from './message-context.js';
import { show } from './message-context.js';
import type { TimestampCache } from './timestamp-cache.js';

/** 'null', 'an array', 'an object' or 'a <type>': what a JSON value is, for reasons. */
function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The frame inside `value` (its capture time put in `ctx.captureTimestamp`, parsed with
 * `capture`), or why there is none.
 */
export function unwrapEnvelope(
  value: unknown,
  bareKey: 'channel' | 'type',
  capture: TimestampCache,
  ctx: MessageContext,
): Record<string, unknown> | string {
  if (!isRecord(value)) return `not a JSON object (got ${describeJson(value)})`;
  if (value[bareKey] !== undefined || value.data === undefined) return value;
  const data = value.data;
  if (!isRecord(data)) return `envelope data is not an object (got ${describeJson(data)})`;
  const cap = value.capture_ts;
  if (cap !== undefined && cap !== null) {
    if (typeof cap !== 'string' || !capture.parse(cap)) {
      const why = typeof cap === 'string' ? capture.reason : 'not a string';
      return `envelope capture_ts ${show(cap)} is not a timestamp (${why})`;
    }
    ctx.captureTimestamp = capture.ns;
  }
  return data;
}
