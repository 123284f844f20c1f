import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  formatTimestampNs,
  parseTimestampNs,
  parseTimestampNsOrReason,
  utcDateKey,
  utcHourKey,
} from './time.js';

const SEGMENT = fileURLToPath(
  new URL('../../../tooling/fixtures/coinbase/segment_20260809T21_00001.ndjson', import.meta.url),
);

interface Timestamps {
  capture: string[];
  message: string[];
  eventTime: string[];
  tradeTime: string[];
  heartbeatCurrentTime: string[];
}

/** Every timestamp string of the real capture, by where it sits in the envelope. */
async function collectTimestamps(): Promise<Timestamps> {
  const found: Timestamps = {
    capture: [],
    message: [],
    eventTime: [],
    tradeTime: [],
    heartbeatCurrentTime: [],
  };
  const lines = createInterface({
    input: createReadStream(SEGMENT, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (!line) continue;
    const envelope = JSON.parse(line);
    found.capture.push(envelope.capture_ts);
    found.message.push(envelope.data.timestamp);
    for (const event of envelope.data.events ?? []) {
      for (const update of event.updates ?? []) found.eventTime.push(update.event_time);
      for (const trade of event.trades ?? []) found.tradeTime.push(trade.time);
      if (event.current_time !== undefined) found.heartbeatCurrentTime.push(event.current_time);
    }
  }
  return found;
}

describe('time on the real Coinbase capture', async () => {
  const ts = await collectTimestamps();

  it('finds every timestamp of the segment', () => {
    expect(ts.capture).toHaveLength(546);
    expect(ts.message).toHaveLength(546);
    expect(ts.eventTime).toHaveLength(47930);
    expect(ts.tradeTime).toHaveLength(147);
    expect(ts.heartbeatCurrentTime).toHaveLength(25);
  });

  it('parses exchange timestamps (3 to 9 digits, Z) and formats them back byte for byte', () => {
    const digitCounts = new Set<number>();
    const mismatches: string[] = [];
    for (const text of [...ts.message, ...ts.eventTime, ...ts.tradeTime]) {
      const ns = parseTimestampNs(text);
      digitCounts.add(text.length - 21);
      // The millisecond part must agree with Date's own parser.
      if (
        formatTimestampNs(ns) !== text ||
        ns / 1_000_000n !== BigInt(Date.parse(text)) ||
        utcDateKey(ns) !== '2026-08-09' ||
        utcHourKey(ns) !== '21'
      ) {
        mismatches.push(text);
      }
    }
    expect(mismatches).toEqual([]);
    expect(Math.min(...digitCounts)).toBe(3);
    expect(Math.max(...digitCounts)).toBe(9);
  });

  it('parses capture_ts (6 digits, +00:00) to the same instant as its Z form', () => {
    for (const text of ts.capture) {
      expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      const ns = parseTimestampNs(text);
      expect(ns % 1000n).toBe(0n);
      expect(parseTimestampNs(`${text.slice(0, -6)}Z`)).toBe(ns);
      expect(formatTimestampNs(ns, 6)).toBe(`${text.slice(0, -6)}Z`);
      expect(ns / 1_000_000n).toBe(BigInt(Date.parse(text)));
    }
  });

  it('capture_ts runs up to 18 ms before the exchange timestamp (clock skew) and up to 414 ms after it', () => {
    let min = 0n;
    let max = 0n;
    let before = 0;
    for (let i = 0; i < ts.capture.length; i++) {
      const lag = parseTimestampNs(ts.capture[i]!) - parseTimestampNs(ts.message[i]!);
      if (lag < min) min = lag;
      if (lag > max) max = lag;
      if (lag < 0n) before++;
    }
    expect(min).toBe(-17_889_835n);
    expect(max).toBe(413_666_947n);
    expect(before).toBe(522);
  });

  it("rejects heartbeat current_time, which is Go's time.String() and not RFC 3339", () => {
    expect(ts.heartbeatCurrentTime[0]).toMatch(/^2026-08-09 21:05:\d\d\.\d+ \+0000 UTC m=\+\d+\.\d+$/);
    for (const text of ts.heartbeatCurrentTime) {
      expect(parseTimestampNsOrReason(text)).toBe("missing 'Z' or UTC offset");
    }
  });
});
