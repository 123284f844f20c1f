/**
 * Scanned `l2_data` frames as a few typed arrays, to move them between threads: a worker scans
 * lines, the main thread gets the frames back for `RawParser` without a structured clone of an
 * object tree. The arrays' buffers can be transferred (moved, not copied) with `postMessage`.
 *
 * Decoding gives frames equal to the encoded ones: the same numbers, bigints and strings (each
 * distinct timestamp, with its date and hour, once per batch; strings from a small table).
 */
import { type ScannedLevel2Event, ScannedLevel2Frame, type ScannedTime } from './scanned-frames.js';

/** A batch of frames as arrays; `buffers()` lists what to transfer. */
export interface EncodedScannedFrames {
  readonly count: number;
  /**
   * Per frame: has capture time (0/1), server time index, client id string index (-1: null),
   * event count; per event: snapshot (0/1), product string index, update count; per update:
   * offer (0/1), time index.
   */
  readonly ints: Int32Array;
  /** Per frame: sequence number; per update: price, new quantity. */
  readonly numbers: Float64Array;
  /** Per frame: capture time (0 without one); then, per distinct time: its ns. */
  readonly captures: BigInt64Array;
  readonly times: BigInt64Array;
  /** Per distinct time: date and hour string indices. */
  readonly timeKeys: Int32Array;
  readonly strings: readonly string[];
}

/** The buffer of an encoded batch (every array is a view of it), for `postMessage`'s transfer list. */
export function scannedFrameBuffers(encoded: EncodedScannedFrames): ArrayBuffer[] {
  return [encoded.ints.buffer as ArrayBuffer];
}

/**
 * Encodes `frames` (any number, in order) into views of one ArrayBuffer: few large buffers keep
 * the garbage collector's external-memory accounting (and the transfer) cheap.
 */
export function encodeScannedFrames(frames: readonly ScannedLevel2Frame[]): EncodedScannedFrames {
  // The scanner hands out one object per distinct timestamp (repeats are the same object).
  const timeList: ScannedTime[] = [];
  const timeIndex = new Map<ScannedTime, number>();
  const time = (t: ScannedTime): number => {
    let i = timeIndex.get(t);
    if (i === undefined) {
      i = timeList.length;
      timeList.push(t);
      timeIndex.set(t, i);
    }
    return i;
  };
  let intCount = 0;
  let numberCount = 0;
  for (const f of frames) {
    intCount += 4;
    numberCount += 1;
    time(f.server);
    for (const e of f.events) {
      intCount += 3 + 2 * e.sides.length;
      numberCount += e.values.length;
      for (const t of e.times) time(t);
    }
  }
  const bigCount = frames.length + timeList.length;
  const buffer = new ArrayBuffer(8 * (bigCount + numberCount) + 4 * (intCount + 2 * timeList.length));
  const captures = new BigInt64Array(buffer, 0, frames.length);
  const times = new BigInt64Array(buffer, 8 * frames.length, timeList.length);
  const numbers = new Float64Array(buffer, 8 * bigCount, numberCount);
  const ints = new Int32Array(buffer, 8 * (bigCount + numberCount), intCount);
  const timeKeys = new Int32Array(buffer, 8 * (bigCount + numberCount) + 4 * intCount, 2 * timeList.length);
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  let p = 0;
  let n = 0;
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k]!;
    ints[p++] = f.captureTimestamp === null ? 0 : 1;
    captures[k] = f.captureTimestamp ?? 0n;
    ints[p++] = timeIndex.get(f.server)!;
    ints[p++] = f.clientId === null ? -1 : str(f.clientId);
    ints[p++] = f.events.length;
    numbers[n++] = f.sequenceNum;
    for (const e of f.events) {
      ints[p++] = e.type === 'snapshot' ? 1 : 0;
      ints[p++] = str(e.productId);
      ints[p++] = e.sides.length;
      for (let i = 0; i < e.sides.length; i++) {
        ints[p++] = e.sides[i] === 'offer' ? 1 : 0;
        ints[p++] = timeIndex.get(e.times[i]!)!;
        numbers[n++] = e.values[2 * i]!;
        numbers[n++] = e.values[2 * i + 1]!;
      }
    }
  }
  for (let i = 0; i < timeList.length; i++) {
    const t = timeList[i]!;
    times[i] = t.ns;
    timeKeys[2 * i] = str(t.date);
    timeKeys[2 * i + 1] = str(t.hour);
  }
  return { count: frames.length, ints, numbers, captures, times, timeKeys, strings };
}

/** The frames of an encoded batch, in order. */
export function decodeScannedFrames(encoded: EncodedScannedFrames): ScannedLevel2Frame[] {
  const { ints, numbers, captures, times, timeKeys, strings } = encoded;
  const timeList: ScannedTime[] = new Array(times.length);
  for (let i = 0; i < times.length; i++) {
    timeList[i] = { ns: times[i]!, date: strings[timeKeys[2 * i]!]!, hour: strings[timeKeys[2 * i + 1]!]! };
  }
  const frames: ScannedLevel2Frame[] = new Array(encoded.count);
  let p = 0;
  let n = 0;
  for (let k = 0; k < encoded.count; k++) {
    const capture = ints[p++] === 1 ? captures[k]! : null;
    const server = timeList[ints[p++]!]!;
    const client = ints[p++]!;
    const eventCount = ints[p++]!;
    const sequenceNum = numbers[n++]!;
    const events: ScannedLevel2Event[] = [];
    for (let e = 0; e < eventCount; e++) {
      const type = ints[p++] === 1 ? 'snapshot' : 'update';
      const productId = strings[ints[p++]!]!;
      const count = ints[p++]!;
      const sides: string[] = new Array(count);
      const eventTimes: ScannedTime[] = new Array(count);
      const values: number[] = new Array(count * 2);
      for (let i = 0; i < count; i++) {
        sides[i] = ints[p++] === 1 ? 'offer' : 'bid';
        eventTimes[i] = timeList[ints[p++]!]!;
        values[2 * i] = numbers[n++]!;
        values[2 * i + 1] = numbers[n++]!;
      }
      events.push({ type, productId, sides, times: eventTimes, values });
    }
    frames[k] = new ScannedLevel2Frame(
      capture,
      server,
      client === -1 ? null : strings[client]!,
      sequenceNum,
      events,
    );
  }
  return frames;
}
