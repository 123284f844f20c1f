/**
 * Control rows: one per message that yields no data row (heartbeats, subscriptions, status,
 * exchange errors, unknown channels, data messages without entries), so processors downstream see
 * every `sequence_num` in wire order. Control rows are never written to a dataset.
 */
import { parseTimestampNsOrReason } from '@etl/core';
import { isRecord } from '@etl/core/internal';
import { type MessageContext, show } from './message-context.js';
import { CONTROL_CHANNEL, type ControlRow } from './rows.js';

/** The control row of the current message, with no channel-specific fields. */
export function controlRow(ctx: MessageContext, sourceChannel: string): ControlRow {
  return {
    channel: CONTROL_CHANNEL,
    source_channel: sourceChannel,
    sequence_num: ctx.sequenceNum,
    server_timestamp: ctx.server.ns,
    capture_timestamp: ctx.captureTimestamp,
  };
}

/**
 * Epoch ns of a heartbeat's `current_time`. Coinbase sends Go's `time.String()` form,
 * `2026-08-09 21:05:48.854840045 +0000 UTC m=+41691.260485341`; RFC 3339 is accepted too.
 */
function parseHeartbeatTimeOrReason(s: string): bigint | string {
  const direct = parseTimestampNsOrReason(s);
  if (typeof direct === 'bigint') return direct;
  const space = s.indexOf(' ', 19);
  const sign = s[space + 1];
  if (space < 0 || (sign !== '+' && sign !== '-')) return direct;
  const end = space + 6;
  if (end < s.length && s[end] !== ' ') return 'unexpected text after the UTC offset';
  // "+0000" → "+00:00", then the RFC 3339 parser (which accepts the space between date and time).
  return parseTimestampNsOrReason(
    `${s.slice(0, space)}${s.slice(space + 1, space + 4)}:${s.slice(space + 4, end)}`,
  );
}

/** A non-negative integer sent as a JSON number or a digit string, as bigint; undefined otherwise. */
export function parseCounter(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 19) return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return BigInt(value);
}

/** heartbeats: `current_time` (ns) and `heartbeat_counter` (the server's uptime in seconds). */
export function heartbeatRow(ctx: MessageContext, events: readonly unknown[]): ControlRow {
  const ev = events[0];
  let currentTime: bigint | null = null;
  let counter: bigint | null = null;
  if (isRecord(ev)) {
    const ct = ev.current_time;
    const parsed = typeof ct === 'string' ? parseHeartbeatTimeOrReason(ct) : 'not a string';
    if (typeof parsed === 'bigint') currentTime = parsed;
    else ctx.reject(`events[0].current_time ${show(ct)} is not a timestamp (${parsed}); set to null`);
    const hc = parseCounter(ev.heartbeat_counter);
    if (hc !== undefined) counter = hc;
    else
      ctx.reject(`events[0].heartbeat_counter is not a non-negative integer: ${show(ev.heartbeat_counter)}`);
  } else {
    ctx.reject(`events[0] is not an object: ${show(ev)}`);
  }
  return {
    channel: CONTROL_CHANNEL,
    source_channel: ctx.channel,
    sequence_num: ctx.sequenceNum,
    server_timestamp: ctx.server.ns,
    capture_timestamp: ctx.captureTimestamp,
    current_time: currentTime,
    heartbeat_counter: counter,
  };
}

/** Keys that must never be copied into a fresh object (prototype pollution). */
function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/**
 * subscriptions: a fresh copy of the acknowledgement's `{channel: [product_ids]}` (the union of
 * every event's, normally one). Only arrays of strings are copied; other values and unsafe keys
 * are left out with a reason.
 */
export function subscriptionsRow(ctx: MessageContext, events: readonly unknown[]): ControlRow {
  const subscriptions: Record<string, string[]> = {};
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const subs = isRecord(ev) ? ev.subscriptions : undefined;
    if (!isRecord(subs)) {
      ctx.reject(`events[${e}].subscriptions is not an object: ${show(subs)}`);
      continue;
    }
    for (const key of Object.keys(subs)) {
      if (isUnsafeKey(key)) {
        ctx.reject(`events[${e}].subscriptions has the unsafe key ${JSON.stringify(key)}; left out`);
        continue;
      }
      const list = subs[key];
      if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
        ctx.reject(`events[${e}].subscriptions.${key} is not an array of strings; left out`);
        continue;
      }
      subscriptions[key] = list.slice() as string[];
    }
  }
  return {
    channel: CONTROL_CHANNEL,
    source_channel: ctx.channel,
    sequence_num: ctx.sequenceNum,
    server_timestamp: ctx.server.ns,
    capture_timestamp: ctx.captureTimestamp,
    subscriptions,
  };
}

/**
 * An exchange error message (`{type: 'error', message}`, no channel). Timestamp and sequence
 * number are kept when present and valid; an error is a real message, not bad input.
 */
export function errorRow(ctx: MessageContext, frame: Record<string, unknown>): ControlRow {
  const ts = frame.timestamp;
  const parsed = typeof ts === 'string' ? parseTimestampNsOrReason(ts) : undefined;
  const message = frame.message;
  return {
    channel: CONTROL_CHANNEL,
    source_channel: 'error',
    sequence_num: ctx.sequenceNum,
    server_timestamp: typeof parsed === 'bigint' ? parsed : null,
    capture_timestamp: ctx.captureTimestamp,
    message: typeof message === 'string' ? message : null,
  };
}
